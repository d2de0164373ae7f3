using System.Text;

namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>
/// Runs a parsed template against its variables. Scopes follow Jinja: a for loop's body has its own scope per
/// iteration (a <c>set</c> inside it is gone after the loop, hence <c>namespace()</c>), if blocks do not.
/// </summary>
internal sealed class JinjaRenderer
{
    enum Flow { Normal, Break, Continue }

    sealed class Scope(Scope? parent)
    {
        readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

        public bool TryGet(string name, out object? value)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
                if (scope._variables.TryGetValue(name, out value)) return true;
            value = null;
            return false;
        }

        public void Set(string name, object? value) => _variables[name] = value;

        Scope? Parent { get; } = parent;
    }

    readonly StringBuilder _output = new();

    public static string Render(IReadOnlyList<JinjaNode> template, IReadOnlyDictionary<string, object?> globals, IReadOnlyDictionary<string, object?> variables)
    {
        var globalScope = new Scope(null);
        foreach (var (name, value) in globals) globalScope.Set(name, value);
        var scope = new Scope(globalScope);
        foreach (var (name, value) in variables) scope.Set(name, value);
        var renderer = new JinjaRenderer();
        var flow = renderer.Execute(template, scope);
        if (flow != Flow.Normal) throw new JinjaException(1, $"'{{% {flow.ToString().ToLowerInvariant()} %}}' outside a for loop");
        return renderer._output.ToString();
    }

    Flow Execute(IReadOnlyList<JinjaNode> body, Scope scope)
    {
        foreach (var node in body)
        {
            var flow = Execute(node, scope);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    Flow Execute(JinjaNode node, Scope scope)
    {
        switch (node)
        {
            case TextNode text:
                _output.Append(text.Text);
                return Flow.Normal;
            case OutputNode output:
                _output.Append(JinjaValues.ToText(Evaluate(output.Expression, scope)));
                return Flow.Normal;
            case IfNode conditional:
                foreach (var (condition, branch) in conditional.Branches)
                    if (condition is null || JinjaValues.IsTrue(Evaluate(condition, scope))) return Execute(branch, scope);
                return Flow.Normal;
            case ForNode loop:
                ExecuteFor(loop, scope);
                return Flow.Normal;
            case SetNode set:
                ExecuteSet(set, scope);
                return Flow.Normal;
            case SetBlockNode setBlock:
                var saved = _output.Length;
                var flow = Execute(setBlock.Body, scope);
                scope.Set(setBlock.Target, _output.ToString(saved, _output.Length - saved));
                _output.Length = saved;
                return flow;
            case LoopControlNode control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            case GenerationNode generation:
                return Execute(generation.Body, scope);
            default:
                throw new JinjaException(node.Line, $"unexpected {node.GetType().Name}");
        }
    }

    void ExecuteFor(ForNode loop, Scope scope)
    {
        var items = JinjaValues.Iterate(Evaluate(loop.Iterable, scope), loop.Line);
        if (loop.Filter is not null)
        {
            // Jinja filters before numbering: loop.index and loop.length count only the items that pass.
            items = items.Where(item =>
            {
                var test = new Scope(scope);
                Bind(loop.Targets, item, test, loop.Line);
                return JinjaValues.IsTrue(Evaluate(loop.Filter, test));
            }).ToList();
        }
        if (items.Count == 0)
        {
            Execute(loop.Else, new Scope(scope));
            return;
        }
        for (int index = 0; index < items.Count; index++)
        {
            var iteration = new Scope(scope);
            Bind(loop.Targets, items[index], iteration, loop.Line);
            iteration.Set("loop", new Dictionary<string, object?>
            {
                ["index0"] = (long)index,
                ["index"] = (long)index + 1,
                ["revindex0"] = (long)(items.Count - index - 1),
                ["revindex"] = (long)(items.Count - index),
                ["first"] = index == 0,
                ["last"] = index == items.Count - 1,
                ["length"] = (long)items.Count,
                ["previtem"] = index > 0 ? items[index - 1] : new JinjaUndefined("'loop.previtem' is undefined on the first iteration"),
                ["nextitem"] = index + 1 < items.Count ? items[index + 1] : new JinjaUndefined("'loop.nextitem' is undefined on the last iteration"),
            });
            if (Execute(loop.Body, iteration) == Flow.Break) break;
        }
    }

    static void Bind(IReadOnlyList<string> targets, object? item, Scope scope, int line)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }
        var values = item as IList<object?> ?? throw new JinjaException(line, $"cannot unpack a {JinjaValues.TypeName(item)} into {targets.Count} variables");
        if (values.Count != targets.Count)
            throw new JinjaException(line, $"cannot unpack {values.Count} values into {targets.Count} variables");
        for (int i = 0; i < targets.Count; i++) scope.Set(targets[i], values[i]);
    }

    void ExecuteSet(SetNode set, Scope scope)
    {
        var value = Evaluate(set.Value, scope);
        if (set.Attribute is null)
        {
            Bind(set.Targets, value, scope, set.Line);
            return;
        }
        scope.TryGet(set.Targets[0], out var target);
        if (target is not JinjaNamespace space)
            throw new JinjaException(set.Line, $"'{set.Targets[0]}.{set.Attribute}' cannot be assigned: only a namespace() has assignable attributes");
        space[set.Attribute] = value;
    }

    object? Evaluate(JinjaExpression expression, Scope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out var value) ? value : new JinjaUndefined($"'{name.Name}' is undefined");
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case DictExpression dict:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (keyExpression, valueExpression) in dict.Entries)
                {
                    if (Evaluate(keyExpression, scope) is not string key)
                        throw new JinjaException(dict.Line, "dictionary keys other than strings are not supported");
                    result[key] = Evaluate(valueExpression, scope);
                }
                return result;
            case AttributeExpression attribute:
                return GetAttribute(Evaluate(attribute.Object, scope), attribute.Name, attribute.Line);
            case IndexExpression index:
                return GetItem(Evaluate(index.Object, scope), Evaluate(index.Key, scope), index.Line);
            case SliceExpression slice:
                return Slice(slice, scope);
            case CallExpression call:
                return Call(call, scope);
            case FilterExpression filter:
                return JinjaFilters.Apply(filter.Name, Evaluate(filter.Value, scope),
                    filter.Arguments.Select(argument => Evaluate(argument, scope)).ToList(), Keywords(filter.Keywords, scope), filter.Line);
            case TestExpression test:
                bool passed = JinjaTests.Apply(test.Name, Evaluate(test.Value, scope),
                    test.Arguments.Select(argument => Evaluate(argument, scope)).ToList(), test.Line);
                return passed != test.Negated;
            case UnaryExpression unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !JinjaValues.IsTrue(operand),
                    "-" when operand is long number => -number,
                    "-" when operand is double number => -number,
                    "+" when JinjaValues.IsNumber(operand) => operand,
                    _ => throw new JinjaException(unary.Line, $"bad operand type for unary '{unary.Operator}': {JinjaValues.TypeName(operand)}"),
                };
            case BinaryExpression binary:
                return EvaluateBinary(binary, scope);
            case CompareExpression compare:
                return EvaluateCompare(compare, scope);
            case ConditionalExpression conditional:
                if (JinjaValues.IsTrue(Evaluate(conditional.Condition, scope))) return Evaluate(conditional.Then, scope);
                return conditional.Otherwise is null
                    ? new JinjaUndefined("the conditional expression has no else branch")
                    : Evaluate(conditional.Otherwise, scope);
            default:
                throw new JinjaException(expression.Line, $"unexpected {expression.GetType().Name}");
        }
    }

    Dictionary<string, object?> Keywords(IReadOnlyList<(string Name, JinjaExpression Value)> keywords, Scope scope) =>
        keywords.ToDictionary(keyword => keyword.Name, keyword => Evaluate(keyword.Value, scope), StringComparer.Ordinal);

    object? EvaluateBinary(BinaryExpression binary, Scope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return JinjaValues.IsTrue(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return JinjaValues.IsTrue(left) ? left : Evaluate(binary.Right, scope);
            case "~":
                return JinjaValues.ToText(left) + JinjaValues.ToText(Evaluate(binary.Right, scope));
            default:
                return JinjaOperators.Binary(binary.Operator, left, Evaluate(binary.Right, scope), binary.Line);
        }
    }

    object? EvaluateCompare(CompareExpression compare, Scope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, operandExpression) in compare.Rest)
        {
            var right = Evaluate(operandExpression, scope);
            bool holds = op switch
            {
                "==" => JinjaValues.AreEqual(left, right),
                "!=" => !JinjaValues.AreEqual(left, right),
                "in" => Contains(right, left, compare.Line),
                "not in" => !Contains(right, left, compare.Line),
                "<" => JinjaValues.Compare(left, right, compare.Line, op) < 0,
                "<=" => JinjaValues.Compare(left, right, compare.Line, op) <= 0,
                ">" => JinjaValues.Compare(left, right, compare.Line, op) > 0,
                _ => JinjaValues.Compare(left, right, compare.Line, op) >= 0,
            };
            if (!holds) return false;
            left = right;
        }
        return true;
    }

    /// <summary>Python's <c>in</c>: a substring, a list item, a dict key; nothing is in undefined.</summary>
    internal static bool Contains(object? container, object? item, int line) => container switch
    {
        string text when item is string part => text.Contains(part, StringComparison.Ordinal),
        string => throw new JinjaException(line, $"'in <string>' requires a string on the left, not {JinjaValues.TypeName(item)}"),
        IDictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        IList<object?> list => list.Any(element => JinjaValues.AreEqual(element, item)),
        JinjaUndefined => false,
        _ => throw new JinjaException(line, $"'in' is not supported on a {JinjaValues.TypeName(container)}"),
    };

    /// <summary>
    /// Jinja's <c>obj.name</c>: a dict's key (a namespace's attribute), else undefined; an attribute of undefined is an
    /// error, as with Jinja's default Undefined.
    /// </summary>
    internal static object? GetAttribute(object? target, string name, int line) => target switch
    {
        JinjaUndefined undefined => throw new JinjaException(line, $"{undefined.Description}, so it has no attribute '{name}'"),
        IDictionary<string, object?> dict => dict.TryGetValue(name, out var value)
            ? value
            : new JinjaUndefined($"'{JinjaValues.TypeName(target)} object' has no attribute '{name}'"),
        _ => new JinjaUndefined($"'{JinjaValues.TypeName(target)} object' has no attribute '{name}'"),
    };

    /// <summary>Jinja's <c>obj[key]</c>: Python indexing (negative counts from the end); a missing item is undefined.</summary>
    static object? GetItem(object? target, object? key, int line)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw new JinjaException(line, $"{undefined.Description}, so it has no item {JinjaValues.Repr(key)}");
            case IDictionary<string, object?> dict when key is string name:
                return dict.TryGetValue(name, out var value) ? value : new JinjaUndefined($"'{JinjaValues.TypeName(target)} object' has no key {JinjaValues.Repr(key)}");
            case IList<object?> list when key is long or bool:
                long index = JinjaValues.ToLong(key);
                if (index < 0) index += list.Count;
                return index >= 0 && index < list.Count ? list[(int)index] : new JinjaUndefined($"list index {JinjaValues.Repr(key)} is out of range");
            case string text when key is long or bool:
                var characters = JinjaValues.TextElements(text);
                long position = JinjaValues.ToLong(key);
                if (position < 0) position += characters.Count;
                return position >= 0 && position < characters.Count ? characters[(int)position] : new JinjaUndefined($"string index {JinjaValues.Repr(key)} is out of range");
            default:
                return new JinjaUndefined($"'{JinjaValues.TypeName(target)} object' has no item {JinjaValues.Repr(key)}");
        }
    }

    object? Slice(SliceExpression slice, Scope scope)
    {
        var target = Evaluate(slice.Object, scope);
        long? Bound(JinjaExpression? expression)
        {
            if (expression is null) return null;
            var value = Evaluate(expression, scope);
            return value switch
            {
                null => null,
                long or bool => JinjaValues.ToLong(value),
                _ => throw new JinjaException(slice.Line, $"slice indices must be integers or none, not {JinjaValues.TypeName(value)}"),
            };
        }
        var (start, stop, step) = (Bound(slice.Start), Bound(slice.Stop), Bound(slice.Step) ?? 1);
        if (step == 0) throw new JinjaException(slice.Line, "slice step cannot be zero");
        IList<object?> items = target switch
        {
            IList<object?> list => list,
            string text => JinjaValues.TextElements(text),
            JinjaUndefined undefined => throw new JinjaException(slice.Line, $"{undefined.Description}, so it cannot be sliced"),
            _ => throw new JinjaException(slice.Line, $"a {JinjaValues.TypeName(target)} cannot be sliced"),
        };
        // Python's slice.indices(): clamp each bound into range for the step's direction.
        long count = items.Count;
        long Clamp(long? bound, long whenMissing)
        {
            if (bound is null) return whenMissing;
            long value = bound.Value < 0 ? bound.Value + count : bound.Value;
            return step > 0 ? Math.Clamp(value, 0, count) : Math.Clamp(value, -1, count - 1);
        }
        long from = Clamp(start, step > 0 ? 0 : count - 1);
        long to = Clamp(stop, step > 0 ? count : -1);
        var result = new List<object?>();
        for (long i = from; step > 0 ? i < to : i > to; i += step) result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    object? Call(CallExpression call, Scope scope)
    {
        var arguments = call.Arguments.Select(argument => Evaluate(argument, scope)).ToList();
        var keywords = Keywords(call.Keywords, scope);
        if (call.Callee is AttributeExpression method)
        {
            var target = Evaluate(method.Object, scope);
            if (target is string or IList<object?> || (target is IDictionary<string, object?> && target is not JinjaNamespace))
                return JinjaMethods.Call(target, method.Name, arguments, keywords, call.Line);
            return Invoke(GetAttribute(target, method.Name, method.Line), arguments, keywords, call.Line);
        }
        return Invoke(Evaluate(call.Callee, scope), arguments, keywords, call.Line);
    }

    static object? Invoke(object? callee, List<object?> arguments, Dictionary<string, object?> keywords, int line) => callee switch
    {
        JinjaFunction function => function(arguments, keywords, line),
        JinjaUndefined undefined => throw new JinjaException(line, $"{undefined.Description}, so it cannot be called"),
        _ => throw new JinjaException(line, $"a {JinjaValues.TypeName(callee)} cannot be called"),
    };
}
