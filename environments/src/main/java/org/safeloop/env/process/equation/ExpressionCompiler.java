package org.safeloop.env.process.equation;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Compiles the text of one expression into a {@link Node} tree, resolving every name against a
 * {@link Scope}. A recursive-descent parser for this grammar:
 *
 * <pre>
 * expression := sum END
 * sum        := product (('+' | '-') product)*
 * product    := unary (('*' | '/') unary)*
 * unary      := ('-' | '+') unary | power
 * power      := primary ('^' unary)?
 * primary    := NUMBER | NAME | NAME '(' (sum (',' sum)*)? ')' | '(' sum ')'
 * </pre>
 *
 * <p>So {@code ^} is right-associative and binds tighter than unary minus, as in mathematics:
 * {@code -x^2} is {@code -(x^2)}, {@code 2^-1} is {@code 0.5} and {@code a^b^c} is {@code a^(b^c)}.
 * Numbers are decimal with an optional exponent ({@code 7.2e10}, {@code 1e-3}). Every error is an
 * {@link ExpressionException} with the 1-based column. One instance compiles one expression; not
 * thread-safe, use {@link #compile}.
 */
final class ExpressionCompiler {

  /** Deep enough for any hand-written equation, shallow enough never to overflow the stack. */
  static final int MAX_NESTING = 200;

  private enum Token {
    NUMBER("a number"),
    NAME("a name"),
    PLUS("'+'"),
    MINUS("'-'"),
    STAR("'*'"),
    SLASH("'/'"),
    CARET("'^'"),
    OPEN("'('"),
    CLOSE("')'"),
    COMMA("','"),
    END("the end of the expression");

    private final String description;

    Token(String description) {
      this.description = description;
    }
  }

  private final String source;
  private final Scope scope;
  private int position;
  private int nesting;

  private Token token;
  private int tokenStart;
  private int tokenEnd;
  private double tokenNumber;

  private ExpressionCompiler(String source, Scope scope) {
    this.source = source;
    this.scope = scope;
  }

  /**
   * Compiles {@code source} with the names in {@code scope}.
   *
   * @throws ExpressionException naming the column and the offending name or character
   */
  static Node compile(String source, Scope scope) {
    if (source == null || source.isBlank()) {
      throw new ExpressionException(1, "empty expression");
    }
    ExpressionCompiler compiler = new ExpressionCompiler(source, scope);
    compiler.advance();
    Node node = compiler.sum();
    if (compiler.token != Token.END) {
      throw compiler.error(
          compiler.tokenStart,
          "unexpected "
              + compiler.describeToken()
              + "; expected an operator (+ - * / ^) or the end of the expression");
    }
    return node;
  }

  private Node sum() {
    Node node = product();
    while (token == Token.PLUS || token == Token.MINUS) {
      boolean plus = token == Token.PLUS;
      advance();
      Node right = product();
      node = plus ? Node.add(node, right) : Node.subtract(node, right);
    }
    return node;
  }

  private Node product() {
    Node node = unary();
    while (token == Token.STAR || token == Token.SLASH) {
      boolean times = token == Token.STAR;
      advance();
      Node right = unary();
      node = times ? Node.multiply(node, right) : Node.divide(node, right);
    }
    return node;
  }

  private Node unary() {
    if (token == Token.MINUS || token == Token.PLUS) {
      boolean minus = token == Token.MINUS;
      enter();
      advance();
      Node operand = unary();
      nesting--;
      return minus ? Node.negate(operand) : operand;
    }
    return power();
  }

  private Node power() {
    Node base = primary();
    if (token != Token.CARET) {
      return base;
    }
    enter();
    advance();
    Node exponent = unary();
    nesting--;
    return Node.power(base, exponent);
  }

  private Node primary() {
    switch (token) {
      case NUMBER:
        {
          double value = tokenNumber;
          advance();
          return Node.constant(value);
        }
      case NAME:
        {
          String name = source.substring(tokenStart, tokenEnd);
          int column = tokenStart;
          advance();
          return token == Token.OPEN ? call(name, column) : symbol(name, column);
        }
      case OPEN:
        {
          int open = tokenStart;
          enter();
          advance();
          Node inner = sum();
          expectClose(open, "'('");
          nesting--;
          return inner;
        }
      case END:
        throw error(tokenStart, "the expression ends too early; expected a number, a name or '('");
      default:
        throw error(
            tokenStart, "unexpected " + describeToken() + "; expected a number, a name or '('");
    }
  }

  private Node symbol(String name, int column) {
    Optional<Scope.Symbol> symbol = scope.lookup(name);
    if (symbol.isPresent()) {
      Scope.Symbol s = symbol.get();
      switch (s.kind()) {
        case STATE:
          return new Node.StateValue(s.slot());
        case INPUT:
          return new Node.InputValue(s.slot());
        case PARAMETER:
          return new Node.ParameterValue(s.slot());
        default:
          return new Node.DefinitionValue(s.slot());
      }
    }
    Optional<String> reason = scope.unavailableReason(name);
    if (reason.isPresent()) {
      throw error(column, "'" + name + "' " + reason.get());
    }
    if (MathFunction.bySymbol(name).isPresent()) {
      throw error(
          column,
          "'" + name + "' is a function; call it as " + MathFunction.bySymbol(name).get().usage());
    }
    StringBuilder problem = new StringBuilder("undeclared name '").append(name).append("'");
    Scope.closest(name, scope.names())
        .ifPresent(c -> problem.append(" (did you mean '").append(c).append("'?)"));
    problem.append("; declared names are ").append(scope.describe());
    throw error(column, problem.toString());
  }

  private Node call(String name, int column) {
    Optional<MathFunction> found = MathFunction.bySymbol(name);
    if (found.isEmpty()) {
      StringBuilder problem = new StringBuilder("unknown function '").append(name).append("'");
      if (scope.lookup(name).isPresent()) {
        problem
            .append(" (it is a ")
            .append(scope.lookup(name).get().kind().singular())
            .append("; write '*' to multiply)");
      } else {
        List<String> functions = new ArrayList<>();
        for (MathFunction f : MathFunction.values()) {
          functions.add(f.symbol());
        }
        Scope.closest(name, functions)
            .ifPresent(c -> problem.append(" (did you mean '").append(c).append("'?)"));
      }
      problem.append("; known functions are ").append(MathFunction.knownSymbols());
      throw error(column, problem.toString());
    }
    MathFunction function = found.get();
    int open = tokenStart;
    enter();
    advance();
    List<Node> arguments = new ArrayList<>();
    if (token != Token.CLOSE) {
      arguments.add(sum());
      while (token == Token.COMMA) {
        advance();
        arguments.add(sum());
      }
    }
    if (token != Token.CLOSE) {
      throw error(
          tokenStart,
          "expected ',' or ')' to continue the call of '"
              + name
              + "' opened at column "
              + (open + 1)
              + ", found "
              + describeToken());
    }
    advance();
    nesting--;
    if (arguments.size() != function.arity()) {
      throw error(
          column,
          "function '"
              + name
              + "' takes "
              + function.arity()
              + (function.arity() == 1 ? " argument" : " arguments")
              + ", got "
              + arguments.size()
              + "; use "
              + function.usage());
    }
    return function.arity() == 1
        ? Node.call(function, arguments.get(0))
        : Node.call(function, arguments.get(0), arguments.get(1));
  }

  private void expectClose(int open, String opener) {
    if (token != Token.CLOSE) {
      throw error(
          tokenStart,
          "expected ')' to close "
              + opener
              + " at column "
              + (open + 1)
              + ", found "
              + describeToken());
    }
    advance();
  }

  private void enter() {
    if (++nesting > MAX_NESTING) {
      throw error(tokenStart, "the expression is nested more than " + MAX_NESTING + " deep");
    }
  }

  private String describeToken() {
    if (token == Token.END) {
      return token.description;
    }
    if (token == Token.NUMBER || token == Token.NAME) {
      return token.description + " '" + source.substring(tokenStart, tokenEnd) + "'";
    }
    return token.description;
  }

  private ExpressionException error(int offset, String problem) {
    return new ExpressionException(offset + 1, problem);
  }

  /** Reads the next token into {@link #token}, {@link #tokenStart} and {@link #tokenEnd}. */
  private void advance() {
    while (position < source.length() && Character.isWhitespace(source.charAt(position))) {
      position++;
    }
    tokenStart = position;
    if (position == source.length()) {
      token = Token.END;
      tokenEnd = position;
      return;
    }
    char c = source.charAt(position);
    if (isDigit(c) || (c == '.' && position + 1 < source.length() && isDigit(peek(1)))) {
      number();
      return;
    }
    if (isNameStart(c)) {
      position++;
      while (position < source.length() && isNamePart(source.charAt(position))) {
        position++;
      }
      token = Token.NAME;
      tokenEnd = position;
      return;
    }
    position++;
    tokenEnd = position;
    switch (c) {
      case '+':
        token = Token.PLUS;
        return;
      case '-':
        token = Token.MINUS;
        return;
      case '*':
        if (position < source.length() && source.charAt(position) == '*') {
          throw error(tokenStart, "'**' is not an operator; write x ^ y or pow(x, y)");
        }
        token = Token.STAR;
        return;
      case '/':
        token = Token.SLASH;
        return;
      case '^':
        token = Token.CARET;
        return;
      case '(':
        token = Token.OPEN;
        return;
      case ')':
        token = Token.CLOSE;
        return;
      case ',':
        token = Token.COMMA;
        return;
      default:
        throw error(
            tokenStart,
            "unexpected character '"
                + c
                + "'; expressions use numbers, names, + - * / ^, parentheses and function"
                + " calls");
    }
  }

  private void number() {
    while (position < source.length() && isDigit(source.charAt(position))) {
      position++;
    }
    if (position < source.length() && source.charAt(position) == '.') {
      position++;
      while (position < source.length() && isDigit(source.charAt(position))) {
        position++;
      }
    }
    if (position < source.length() && (peek(0) == 'e' || peek(0) == 'E')) {
      // An exponent only when digits follow, so that "2e" or "2exp" stay a number then a name,
      // which the parser reports as a missing operator.
      int sign = position + 1 < source.length() && (peek(1) == '+' || peek(1) == '-') ? 1 : 0;
      if (position + 1 + sign < source.length() && isDigit(peek(1 + sign))) {
        position += 1 + sign;
        while (position < source.length() && isDigit(source.charAt(position))) {
          position++;
        }
      }
    }
    tokenEnd = position;
    token = Token.NUMBER;
    String text = source.substring(tokenStart, tokenEnd);
    tokenNumber = Double.parseDouble(text);
    if (Double.isInfinite(tokenNumber)) {
      throw error(tokenStart, "the number '" + text + "' is too large for a double");
    }
  }

  private char peek(int ahead) {
    return source.charAt(position + ahead);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Returns whether {@code c} may start a name: an ASCII letter or {@code _}. */
  static boolean isNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  /** Returns whether {@code c} may continue a name: an ASCII letter, a digit or {@code _}. */
  static boolean isNamePart(char c) {
    return isNameStart(c) || isDigit(c);
  }

  /** Returns whether {@code name} can be written in an expression. */
  static boolean isName(String name) {
    if (name == null || name.isEmpty() || !isNameStart(name.charAt(0))) {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      if (!isNamePart(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
