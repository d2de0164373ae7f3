namespace Twinforge.Recipes.Tests;

/// <summary>A temporary directory for recipe files, deleted with the test.</summary>
sealed class RecipeDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("twinforge-recipe-").FullName;

    /// <summary>Writes <paramref name="text"/> to <paramref name="name"/> in the directory and returns its full path.</summary>
    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public string PathOf(string relative) => System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relative));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
