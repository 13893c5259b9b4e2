package org.safeloop.env.process.equation;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ExpressionCompilerTest {

  /** States x, y; input u; parameters a, b, c. */
  private static final Scope SCOPE =
      Scope.empty()
          .with("x", Scope.Kind.STATE, 0)
          .with("y", Scope.Kind.STATE, 1)
          .with("u", Scope.Kind.INPUT, 0)
          .with("a", Scope.Kind.PARAMETER, 0)
          .with("b", Scope.Kind.PARAMETER, 1)
          .with("c", Scope.Kind.PARAMETER, 2);

  private interface Formula {
    double of(double a, double b, double c);
  }

  private static double eval(String expression, double a, double b, double c) {
    Node node = ExpressionCompiler.compile(expression, SCOPE);
    return node.eval(new double[2], new double[1], new double[] {a, b, c}, new double[0]);
  }

  private static void assertSameAsJava(String expression, Formula formula) {
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      double a = 0.1 + 3 * random.nextDouble();
      double b = 0.1 + 3 * random.nextDouble();
      double c = 0.1 + 3 * random.nextDouble();
      assertEquals(formula.of(a, b, c), eval(expression, a, b, c), expression);
    }
  }

  private static ExpressionException error(String expression) {
    return assertThrows(
        ExpressionException.class, () -> ExpressionCompiler.compile(expression, SCOPE));
  }

  @Test
  void multiplicationAndDivisionBindTighterThanAdditionAndSubtraction() {
    assertSameAsJava("a + b * c", (a, b, c) -> a + b * c);
    assertSameAsJava("a - b / c", (a, b, c) -> a - b / c);
    assertSameAsJava("a * b + c", (a, b, c) -> a * b + c);
    assertSameAsJava("(a + b) * c", (a, b, c) -> (a + b) * c);
  }

  @Test
  void subtractionAndDivisionAreLeftAssociative() {
    assertSameAsJava("a - b - c", (a, b, c) -> (a - b) - c);
    assertSameAsJava("a / b / c", (a, b, c) -> (a / b) / c);
    assertSameAsJava("a - b + c", (a, b, c) -> (a - b) + c);
    assertSameAsJava("a / b * c", (a, b, c) -> (a / b) * c);
  }

  @Test
  void powerIsRightAssociativeAndBindsTighterThanUnaryMinus() {
    assertSameAsJava("a ^ b ^ c", (a, b, c) -> Math.pow(a, Math.pow(b, c)));
    assertSameAsJava("-a ^ 2", (a, b, c) -> -(a * a));
    assertSameAsJava("-a^b", (a, b, c) -> -Math.pow(a, b));
    assertSameAsJava("2 ^ -a", (a, b, c) -> Math.pow(2, -a));
    assertSameAsJava("a * b ^ c", (a, b, c) -> a * Math.pow(b, c));
    assertSameAsJava("a ^ b * c", (a, b, c) -> Math.pow(a, b) * c);
    assertSameAsJava("(-a) ^ 2", (a, b, c) -> a * a);
    assertSameAsJava("2 ^ -a ^ 2", (a, b, c) -> Math.pow(2, -(a * a)));
  }

  @Test
  void unaryOperatorsApplyToTheirOperand() {
    assertSameAsJava("a - -b", (a, b, c) -> a + b);
    assertSameAsJava("+a * -b", (a, b, c) -> a * -b);
    assertSameAsJava("--a", (a, b, c) -> a);
    assertSameAsJava("-(a + b)", (a, b, c) -> -(a + b));
  }

  @Test
  void treesHaveTheMathematicalShape() {
    Node x = new Node.StateValue(0);
    Node a = new Node.ParameterValue(0);
    Node b = new Node.ParameterValue(1);
    assertEquals(
        new Node.Negate(new Node.Power(x, new Node.Constant(2))),
        ExpressionCompiler.compile("-x^2", SCOPE));
    assertEquals(
        new Node.Subtract(new Node.Subtract(x, a), b),
        ExpressionCompiler.compile("x - a - b", SCOPE));
    assertEquals(
        new Node.Power(x, new Node.Power(a, b)), ExpressionCompiler.compile("x^a^b", SCOPE));
    assertEquals(new Node.InputValue(0), ExpressionCompiler.compile(" ( (u) ) ", SCOPE));
  }

  @Test
  void constantSubExpressionsAreFoldedAtCompileTime() {
    assertEquals(new Node.Constant(7.0), ExpressionCompiler.compile("2 * 3 + 1", SCOPE));
    assertEquals(new Node.Constant(1.0), ExpressionCompiler.compile("exp(0)", SCOPE));
    assertEquals(new Node.Constant(-4.0), ExpressionCompiler.compile("-2^2", SCOPE));
  }

  @Test
  void numbersAcceptDecimalsAndExponents() {
    String[] numbers = {"1e-3", "7.2e10", "2.5E+2", ".5", "3.", "0.001", "42", "1E3"};
    for (String number : numbers) {
      assertEquals(Double.parseDouble(number), eval(number, 0, 0, 0), number);
    }
    assertEquals(7.2e10 * 2, eval("7.2e10*a", 2, 0, 0));
  }

  @Test
  void everyOneArgumentFunctionMatchesJavaLangMath() {
    assertOneArgument("abs", Math::abs);
    assertOneArgument("cos", Math::cos);
    assertOneArgument("exp", Math::exp);
    assertOneArgument("log", Math::log);
    assertOneArgument("sin", Math::sin);
    assertOneArgument("sqrt", Math::sqrt);
    assertOneArgument("tanh", Math::tanh);
  }

  @Test
  void everyTwoArgumentFunctionMatchesJavaLangMath() {
    assertTwoArguments("max", Math::max);
    assertTwoArguments("min", Math::min);
    assertTwoArguments("pow", Math::pow);
  }

  @Test
  void everyFunctionIsTested() {
    assertEquals(10, MathFunction.values().length);
  }

  private static void assertOneArgument(String function, DoubleUnaryOperator expected) {
    Node node = ExpressionCompiler.compile(function + "(x)", SCOPE);
    Random random = new Random(7);
    for (int i = 0; i < 1000; i++) {
      double x = random.nextDouble() * 40 - 20;
      double[] state = {x, 0};
      assertEquals(
          expected.applyAsDouble(x),
          node.eval(state, new double[1], new double[3], null),
          function + "(" + x + ")");
    }
  }

  private static void assertTwoArguments(String function, DoubleBinaryOperator expected) {
    Node node = ExpressionCompiler.compile(function + "(x, y)", SCOPE);
    Random random = new Random(11);
    for (int i = 0; i < 1000; i++) {
      double x = random.nextDouble() * 10 - 2;
      double y = random.nextDouble() * 6 - 3;
      double[] state = {x, y};
      assertEquals(
          expected.applyAsDouble(x, y),
          node.eval(state, new double[1], new double[3], null),
          function + "(" + x + ", " + y + ")");
    }
  }

  @Test
  void unknownFunctionIsReportedWithItsColumnAndTheKnownFunctions() {
    ExpressionException e = error("a * expp(x)");
    assertEquals(5, e.column());
    assertAll(
        () -> assertTrue(e.getMessage().startsWith("column 5: unknown function 'expp'")),
        () ->
            assertTrue(
                e.getMessage().contains("unknown function 'expp' (did you mean 'exp'?); known")),
        () ->
            assertTrue(
                e.getMessage()
                    .contains(
                        "known functions are abs, cos, exp, log, max, min, pow, sin, sqrt, tanh")));
  }

  @Test
  void aNameCalledLikeAFunctionIsExplained() {
    ExpressionException e = error("a(x + 1)");
    assertEquals(1, e.column());
    assertTrue(e.getMessage().contains("unknown function 'a' (it is a parameter"), e.getMessage());
  }

  @Test
  void undeclaredNameIsReportedWithItsColumnASuggestionAndTheDeclaredNames() {
    ExpressionException e = error("a + xx * 2");
    assertEquals(5, e.column());
    assertTrue(
        e.getMessage().contains("undeclared name 'xx' (did you mean 'x'?); declared names"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("states [x, y], inputs [u], parameters [a, b, c]"), e.getMessage());
  }

  @Test
  void undeclaredNameFarFromEveryDeclaredNameGetsNoSuggestion() {
    ExpressionException e = error("temperature");
    assertTrue(e.getMessage().startsWith("column 1: undeclared name 'temperature'; declared"));
  }

  @Test
  void functionNameWithoutParenthesesIsExplained() {
    ExpressionException e = error("x + exp");
    assertEquals(5, e.column());
    assertTrue(e.getMessage().contains("'exp' is a function; call it as exp(x)"));
  }

  @Test
  void wrongNumberOfArgumentsIsReportedAtTheFunctionName() {
    ExpressionException pow = error("1 + pow(x)");
    assertEquals(5, pow.column());
    assertTrue(pow.getMessage().contains("function 'pow' takes 2 arguments, got 1"));
    ExpressionException exp = error("exp(x, y)");
    assertEquals(1, exp.column());
    assertTrue(exp.getMessage().contains("function 'exp' takes 1 argument, got 2"));
    ExpressionException none = error("sqrt()");
    assertTrue(none.getMessage().contains("takes 1 argument, got 0"));
  }

  @Test
  void syntaxErrorsNameTheColumnAndWhatWasFound() {
    assertEquals("column 5: unexpected '*'; expected a number, a name or '('", message("a + * b"));
    assertTrue(message("a b").startsWith("column 3: unexpected a name 'b'; expected an operator"));
    assertTrue(message("2x").startsWith("column 2: unexpected a name 'x'"));
    assertTrue(message("a # b").startsWith("column 3: unexpected character '#'"));
    assertTrue(message("a +").startsWith("column 4: the expression ends too early"));
    assertEquals(
        "column 7: expected ')' to close '(' at column 1, found the end of the expression",
        message("(a + b"));
    assertTrue(message("a + b)").startsWith("column 6: unexpected ')'"));
    assertTrue(message("max(a b)").startsWith("column 7: expected ',' or ')'"));
    assertTrue(message("x ** 2").startsWith("column 3: '**' is not an operator"));
    assertTrue(message("1e999").contains("'1e999' is too large"));
  }

  @Test
  void emptyExpressionIsAnError() {
    assertEquals("column 1: empty expression", message(""));
    assertEquals("column 1: empty expression", message("   "));
    assertEquals("column 1: empty expression", message(null));
  }

  @Test
  void unavailableNameIsReportedWithTheReason() {
    Scope scope = SCOPE.withUnavailable("later", "is defined below");
    ExpressionException e =
        assertThrows(
            ExpressionException.class, () -> ExpressionCompiler.compile("x + later", scope));
    assertEquals("column 5: 'later' is defined below", e.getMessage());
  }

  @Test
  void absurdNestingIsAnErrorNotAStackOverflow() {
    String deep = "(".repeat(1000) + "x" + ")".repeat(1000);
    assertTrue(message(deep).contains("nested more than 200 deep"));
    String minus = "-".repeat(1000) + "x";
    assertTrue(message(minus).contains("nested more than 200 deep"));
  }

  @Test
  void longFlatSumsAreFine() {
    String sum = String.join(" + ", java.util.Collections.nCopies(5000, "a"));
    assertEquals(5000.0, eval(sum, 1, 0, 0));
  }

  private static String message(String expression) {
    return error(expression).getMessage();
  }
}
