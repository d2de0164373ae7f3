namespace Twinforge.Twins.Serving;

/// <summary>
/// A model name that names nothing the caller may use: not a twin of theirs, a version that has not succeeded, an
/// unknown alias or base. A service answers it as "model not found", the same whether or not it exists elsewhere.
/// </summary>
public sealed class UnknownModelException(string model, string why) : Exception($"model '{model}': {why}")
{
    public string Model => model;
    public string Why => why;
}
