package org.safeloop.env.process.equation;

/**
 * A compiled expression: a tree whose leaves are numbers or slots in the state, input, parameter
 * and definition arrays. Names were resolved to slots when the tree was built, so evaluation does
 * no string handling and allocates nothing. Nodes are immutable and thread-safe; build them with
 * the factory methods, which fold constant sub-expressions.
 */
sealed interface Node {

  /** Saturation for {@link #cost}, far above any cost worth inlining. */
  long COST_CAP = 1L << 40;

  /**
   * Evaluates the expression.
   *
   * @param state state values by slot
   * @param input input values by slot
   * @param parameter parameter values by slot
   * @param definition values of the definitions by slot, already evaluated; unused once the
   *     definitions are inlined
   */
  double eval(double[] state, double[] input, double[] parameter, double[] definition);

  /** Returns this tree with every definition reference replaced by the given tree for that slot. */
  Node inline(Node[] definitions);

  /**
   * Returns how many nodes evaluation visits once definitions are inlined, given that cost for each
   * definition slot; saturates at {@link #COST_CAP}.
   */
  long cost(long[] definitionCosts);

  /** Returns a number. */
  static Node constant(double value) {
    return new Constant(value);
  }

  /** Returns {@code -operand}. */
  static Node negate(Node operand) {
    return operand instanceof Constant c ? new Constant(-c.value()) : new Negate(operand);
  }

  /** Returns {@code left + right}. */
  static Node add(Node left, Node right) {
    return foldOrKeep(new Add(left, right), left, right);
  }

  /** Returns {@code left - right}. */
  static Node subtract(Node left, Node right) {
    return foldOrKeep(new Subtract(left, right), left, right);
  }

  /** Returns {@code left * right}. */
  static Node multiply(Node left, Node right) {
    return foldOrKeep(new Multiply(left, right), left, right);
  }

  /** Returns {@code left / right}. */
  static Node divide(Node left, Node right) {
    return foldOrKeep(new Divide(left, right), left, right);
  }

  /** Returns {@code base ^ exponent}. */
  static Node power(Node base, Node exponent) {
    return foldOrKeep(new Power(base, exponent), base, exponent);
  }

  /** Returns a call of a one-argument function. */
  static Node call(MathFunction function, Node argument) {
    return foldOrKeep(new Call1(function, argument), argument, argument);
  }

  /** Returns a call of a two-argument function. */
  static Node call(MathFunction function, Node first, Node second) {
    return foldOrKeep(new Call2(function, first, second), first, second);
  }

  private static Node foldOrKeep(Node node, Node left, Node right) {
    if (left instanceof Constant && right instanceof Constant) {
      return new Constant(node.eval(null, null, null, null));
    }
    return node;
  }

  private static long sum(long a, long b) {
    return Math.min(COST_CAP, a + b + 1);
  }

  /** A number. */
  record Constant(double value) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return value;
    }

    @Override
    public Node inline(Node[] definitions) {
      return this;
    }

    @Override
    public long cost(long[] definitionCosts) {
      return 1;
    }
  }

  /** The state in a slot. */
  record StateValue(int slot) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return state[slot];
    }

    @Override
    public Node inline(Node[] definitions) {
      return this;
    }

    @Override
    public long cost(long[] definitionCosts) {
      return 1;
    }
  }

  /** The input in a slot. */
  record InputValue(int slot) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return input[slot];
    }

    @Override
    public Node inline(Node[] definitions) {
      return this;
    }

    @Override
    public long cost(long[] definitionCosts) {
      return 1;
    }
  }

  /** The parameter in a slot. */
  record ParameterValue(int slot) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return parameter[slot];
    }

    @Override
    public Node inline(Node[] definitions) {
      return this;
    }

    @Override
    public long cost(long[] definitionCosts) {
      return 1;
    }
  }

  /** The value of the definition in a slot, evaluated beforehand. */
  record DefinitionValue(int slot) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return definition[slot];
    }

    @Override
    public Node inline(Node[] definitions) {
      return definitions[slot];
    }

    @Override
    public long cost(long[] definitionCosts) {
      return definitionCosts[slot];
    }
  }

  /** {@code -operand}. */
  record Negate(Node operand) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return -operand.eval(state, input, parameter, definition);
    }

    @Override
    public Node inline(Node[] definitions) {
      return negate(operand.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(operand.cost(definitionCosts), 0);
    }
  }

  /** {@code left + right}. */
  record Add(Node left, Node right) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return left.eval(state, input, parameter, definition)
          + right.eval(state, input, parameter, definition);
    }

    @Override
    public Node inline(Node[] definitions) {
      return add(left.inline(definitions), right.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(left.cost(definitionCosts), right.cost(definitionCosts));
    }
  }

  /** {@code left - right}. */
  record Subtract(Node left, Node right) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return left.eval(state, input, parameter, definition)
          - right.eval(state, input, parameter, definition);
    }

    @Override
    public Node inline(Node[] definitions) {
      return subtract(left.inline(definitions), right.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(left.cost(definitionCosts), right.cost(definitionCosts));
    }
  }

  /** {@code left * right}. */
  record Multiply(Node left, Node right) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return left.eval(state, input, parameter, definition)
          * right.eval(state, input, parameter, definition);
    }

    @Override
    public Node inline(Node[] definitions) {
      return multiply(left.inline(definitions), right.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(left.cost(definitionCosts), right.cost(definitionCosts));
    }
  }

  /** {@code left / right}. */
  record Divide(Node left, Node right) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return left.eval(state, input, parameter, definition)
          / right.eval(state, input, parameter, definition);
    }

    @Override
    public Node inline(Node[] definitions) {
      return divide(left.inline(definitions), right.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(left.cost(definitionCosts), right.cost(definitionCosts));
    }
  }

  /** {@code base ^ exponent}, as {@link Math#pow}. */
  record Power(Node base, Node exponent) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return Math.pow(
          base.eval(state, input, parameter, definition),
          exponent.eval(state, input, parameter, definition));
    }

    @Override
    public Node inline(Node[] definitions) {
      return power(base.inline(definitions), exponent.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(base.cost(definitionCosts), exponent.cost(definitionCosts));
    }
  }

  /** A call of a one-argument function. */
  record Call1(MathFunction function, Node argument) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return function.apply(argument.eval(state, input, parameter, definition));
    }

    @Override
    public Node inline(Node[] definitions) {
      return call(function, argument.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(argument.cost(definitionCosts), 0);
    }
  }

  /** A call of a two-argument function. */
  record Call2(MathFunction function, Node first, Node second) implements Node {
    @Override
    public double eval(double[] state, double[] input, double[] parameter, double[] definition) {
      return function.apply(
          first.eval(state, input, parameter, definition),
          second.eval(state, input, parameter, definition));
    }

    @Override
    public Node inline(Node[] definitions) {
      return call(function, first.inline(definitions), second.inline(definitions));
    }

    @Override
    public long cost(long[] definitionCosts) {
      return sum(first.cost(definitionCosts), second.cost(definitionCosts));
    }
  }
}
