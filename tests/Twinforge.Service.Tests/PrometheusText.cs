using System.Globalization;
using System.Text.RegularExpressions;

namespace Twinforge.Service.Tests;

/// <summary>Reading Prometheus' text exposition format in assertions.</summary>
internal static class PrometheusText
{
    /// <summary>The sum of a metric's samples (over its label sets, those containing <paramref name="label"/> when given).</summary>
    public static double Sum(string metrics, string name, string? label = null) =>
        Regex.Matches(metrics, $"^{Regex.Escape(name)}(\\{{[^}}]*\\}})? (\\S+)", RegexOptions.Multiline)
            .Where(match => label is null || match.Groups[1].Value.Contains(label))
            .Sum(match => double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
}
