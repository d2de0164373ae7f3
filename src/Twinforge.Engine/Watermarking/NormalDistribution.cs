namespace Twinforge.Engine.Watermarking;

/// <summary>The standard normal distribution's upper tail, accurate to about 1e-14 relative far into the tail.</summary>
public static class NormalDistribution
{
    /// <summary>P(Z ≥ z) for a standard normal Z: the one-sided p-value of a z-score.</summary>
    public static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>
    /// The z whose upper tail is <paramref name="tail"/> (in (0, ½]): 1.96 for 0.025. By bisection on
    /// <see cref="UpperTail"/>, which falls monotonically; 200 halvings of [0, 40] leave it exact to double precision.
    /// </summary>
    public static double UpperQuantile(double tail)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tail, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tail, 0.5);
        double low = 0, high = 40;
        for (int i = 0; i < 200 && high - low > 0; i++)
        {
            double middle = (low + high) / 2;
            if (UpperTail(middle) > tail) low = middle; else high = middle;
        }
        return (low + high) / 2;
    }

    /// <summary>
    /// The complementary error function. Below 2 it is 1 − erf(x) from erf's series of positive terms
    /// (Abramowitz and Stegun 7.1.6: erf x = 2/√π e^(−x²) Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))), which has no cancellation;
    /// from 2 up, erf is too close to 1 for that, so erfc comes from its continued fraction (A&amp;S 7.1.14,
    /// √π e^(x²) erfc x = 1/(x + ½/(x + 1/(x + (3/2)/(x + …))))), evaluated by the modified Lentz method.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        return x < 2 ? 1 - ErfBySeries(x) : ErfcByContinuedFraction(x);
    }

    static double ErfBySeries(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 200 && term > sum * 1e-17; n++)
        {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    static double ErfcByContinuedFraction(double x)
    {
        if (x > 27) return 0; // e^(−x²) underflows a double
        const double tiny = 1e-300;
        double fraction = x, c = x, d = 0;
        for (int n = 1; n < 500; n++)
        {
            double a = n / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < tiny ? 1 / tiny : 1 / d;
            c = x + a / c;
            if (Math.Abs(c) < tiny) c = tiny;
            double change = c * d;
            fraction *= change;
            if (Math.Abs(change - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * fraction);
    }
}
