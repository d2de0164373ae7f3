namespace Twinforge.Engine.Tokenization.Jinja;

/// <summary>Arithmetic with Python's rules: int stays int, <c>/</c> is true division, <c>//</c> and <c>%</c> floor.</summary>
internal static class JinjaOperators
{
    public static object? Binary(string op, object? left, object? right, int line)
    {
        if (left is JinjaUndefined undefinedLeft) throw new JinjaException(line, $"{undefinedLeft.Description}, so it cannot be used with '{op}'");
        if (right is JinjaUndefined undefinedRight) throw new JinjaException(line, $"{undefinedRight.Description}, so it cannot be used with '{op}'");
        bool numbers = JinjaValues.IsNumber(left) && JinjaValues.IsNumber(right);
        bool integers = numbers && left is not double && right is not double;
        switch (op)
        {
            case "+" when numbers:
                return integers ? (object)checked(JinjaValues.ToLong(left) + JinjaValues.ToLong(right)) : JinjaValues.ToDouble(left) + JinjaValues.ToDouble(right);
            case "+" when left is string a && right is string b:
                return a + b;
            case "+" when left is IList<object?> a && right is IList<object?> b:
                return a.Concat(b).ToList();
            case "-" when numbers:
                return integers ? (object)checked(JinjaValues.ToLong(left) - JinjaValues.ToLong(right)) : JinjaValues.ToDouble(left) - JinjaValues.ToDouble(right);
            case "*" when numbers:
                return integers ? (object)checked(JinjaValues.ToLong(left) * JinjaValues.ToLong(right)) : JinjaValues.ToDouble(left) * JinjaValues.ToDouble(right);
            case "*" when left is string text && right is long count:
                return string.Concat(Enumerable.Repeat(text, (int)Math.Max(0, count)));
            case "*" when left is IList<object?> list && right is long count:
                return Enumerable.Repeat(list, (int)Math.Max(0, count)).SelectMany(items => items).ToList();
            case "/" when numbers:
                return JinjaValues.ToDouble(left) / NonZero(JinjaValues.ToDouble(right), line);
            case "//" when numbers:
                if (!integers) return Math.Floor(JinjaValues.ToDouble(left) / NonZero(JinjaValues.ToDouble(right), line));
                long divisor = JinjaValues.ToLong(right);
                NonZero(divisor, line);
                return FloorDivide(JinjaValues.ToLong(left), divisor);
            case "%" when numbers:
                if (!integers)
                {
                    double d = NonZero(JinjaValues.ToDouble(right), line);
                    return JinjaValues.ToDouble(left) - Math.Floor(JinjaValues.ToDouble(left) / d) * d;
                }
                long modulus = JinjaValues.ToLong(right);
                NonZero(modulus, line);
                return JinjaValues.ToLong(left) - FloorDivide(JinjaValues.ToLong(left), modulus) * modulus;
            case "%" when left is string:
                throw new JinjaException(line, "string formatting with '%' is not supported");
            case "**" when numbers:
                return integers && JinjaValues.ToLong(right) >= 0
                    ? (object)checked((long)Math.Pow(JinjaValues.ToLong(left), JinjaValues.ToLong(right)))
                    : Math.Pow(JinjaValues.ToDouble(left), JinjaValues.ToDouble(right));
            default:
                throw new JinjaException(line, $"unsupported operand types for '{op}': {JinjaValues.TypeName(left)} and {JinjaValues.TypeName(right)}");
        }
    }

    static long FloorDivide(long left, long right)
    {
        long quotient = left / right;
        return (left % right != 0 && (left < 0) != (right < 0)) ? quotient - 1 : quotient;
    }

    static double NonZero(double value, int line) => value != 0 ? value : throw new JinjaException(line, "division by zero");
}
