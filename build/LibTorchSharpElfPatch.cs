// Compiled by MSBuild's RoslynCodeTaskFactory (see TorchSharpNative.targets); not part of any project.
//
// Why this exists: TorchSharp-cpu 0.107.0 ships libLibTorchSharp.so built with GCC 13. GCC 13's <iostream> emits a
// reference to `std::ios_base_library_init()` versioned GLIBCXX_3.4.32 purely as a link-time marker (an `.globl`
// directive, no call and no relocation), so the library declares a need for GLIBCXX_3.4.32 that nothing binds to.
// Older C++ runtimes (Debian 12: GLIBCXX_3.4.30) then refuse to load it. When the system runtime lacks a version
// that the library needs, and no relocation binds a symbol of that version, the need is safe to mark weak
// (VER_FLG_WEAK): glibc then only warns under LD_DEBUG instead of failing. A missing version that a relocation *does*
// bind to cannot be fixed this way, and the build fails with a message saying so.
//
// The patch is applied to the build output's copy only, written to a temp file and renamed over it.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class PatchLibTorchSharpForOldCxxRuntime : Task
{
    /// <summary>The output copy of libLibTorchSharp.so.</summary>
    [Required] public string NativeLibrary { get; set; }

    /// <summary>Optional: the C++ runtime to check against (tests); by default the one the loader resolves.</summary>
    public string CxxRuntime { get; set; }

    const uint ShtRela = 4, ShtDynsym = 11, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;
    const ushort VerFlagWeak = 0x2;

    public override bool Execute()
    {
        if (!File.Exists(NativeLibrary)) return true; // project without TorchSharp natives: nothing to do
        string runtime = string.IsNullOrEmpty(CxxRuntime) ? FindSystemCxxRuntime() : CxxRuntime;
        if (runtime == null)
        {
            Log.LogWarning("TorchSharp native fix: no libstdc++.so.6 found; leaving {0} unchanged.", NativeLibrary);
            return true;
        }
        byte[] runtimeBytes = File.ReadAllBytes(runtime);
        byte[] elf = File.ReadAllBytes(NativeLibrary);
        var needs = ReadVersionNeeds(elf);
        var missing = needs.Where(n => n.Name.StartsWith("GLIBCXX_") || n.Name.StartsWith("CXXABI_"))
                           .Where(n => !Contains(runtimeBytes, Encoding.ASCII.GetBytes(n.Name + "\0")))
                           .ToList();
        if (missing.Count == 0) return true; // the runtime is new enough: the stock binary is used untouched

        var bound = VersionIndicesBoundByRelocations(elf);
        var unsafeNeeds = missing.Where(n => bound.Contains(n.VersionIndex)).Select(n => n.Name).ToList();
        if (unsafeNeeds.Count > 0)
        {
            Log.LogError("TorchSharp native fix: {0} needs {1} from the C++ runtime, which {2} lacks, and binds " +
                         "symbols of that version; install a newer libstdc++6 (GCC 13 or later).",
                         NativeLibrary, string.Join(", ", unsafeNeeds), runtime);
            return false;
        }
        var toMark = missing.Where(n => (n.Flags & VerFlagWeak) == 0).ToList();
        if (toMark.Count == 0) return true; // already patched
        foreach (var need in toMark)
            WriteUInt16(elf, need.FlagsOffset, (ushort)(need.Flags | VerFlagWeak));

        string temp = NativeLibrary + ".patch-tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            stream.Write(elf, 0, elf.Length);
            stream.Flush(true);
        }
        File.Replace(temp, NativeLibrary, null); // rename(2) over the old copy: atomic on one file system
        Log.LogMessage(MessageImportance.High,
            "TorchSharp native fix: {0} lacks {1}; marked that need weak in {2} (no relocation uses it).",
            runtime, string.Join(", ", toMark.Select(n => n.Name)), NativeLibrary);
        return true;
    }

    sealed class VersionNeed
    {
        public string Name;
        public ushort Flags;
        public ushort VersionIndex;
        public int FlagsOffset;
    }

    sealed class Section
    {
        public uint Type, Link;
        public long Offset, Size, EntrySize;
    }

    static List<Section> ReadSections(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a little-endian 64-bit ELF file");
        long sectionTable = (long)BitConverter.ToUInt64(elf, 0x28);
        int entrySize = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C);
        var sections = new List<Section>();
        for (int i = 0; i < count; i++)
        {
            int at = (int)(sectionTable + (long)i * entrySize);
            sections.Add(new Section
            {
                Type = BitConverter.ToUInt32(elf, at + 4),
                Offset = (long)BitConverter.ToUInt64(elf, at + 24),
                Size = (long)BitConverter.ToUInt64(elf, at + 32),
                Link = BitConverter.ToUInt32(elf, at + 40),
                EntrySize = (long)BitConverter.ToUInt64(elf, at + 56),
            });
        }
        return sections;
    }

    // Verneed {u16 version, u16 cnt, u32 file, u32 aux, u32 next}; Vernaux {u32 hash, u16 flags, u16 other, u32 name, u32 next}
    static List<VersionNeed> ReadVersionNeeds(byte[] elf)
    {
        var sections = ReadSections(elf);
        var result = new List<VersionNeed>();
        foreach (var verneed in sections.Where(s => s.Type == ShtVerneed))
        {
            long strings = sections[(int)verneed.Link].Offset;
            long entry = verneed.Offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(elf, (int)entry + 2);
                long aux = entry + BitConverter.ToUInt32(elf, (int)entry + 8);
                for (int i = 0; i < count; i++)
                {
                    result.Add(new VersionNeed
                    {
                        Flags = BitConverter.ToUInt16(elf, (int)aux + 4),
                        VersionIndex = BitConverter.ToUInt16(elf, (int)aux + 6),
                        Name = ReadCString(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8)),
                        FlagsOffset = (int)aux + 4,
                    });
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, (int)entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    // The version index (from .gnu.version) of every dynamic symbol that some Elf64_Rela entry references.
    static HashSet<ushort> VersionIndicesBoundByRelocations(byte[] elf)
    {
        var sections = ReadSections(elf);
        var versym = sections.FirstOrDefault(s => s.Type == ShtVersym);
        var bound = new HashSet<ushort>();
        if (versym == null) return bound;
        foreach (var rela in sections.Where(s => s.Type == ShtRela && sections[(int)s.Link].Type == ShtDynsym))
        {
            for (long at = rela.Offset; at + 24 <= rela.Offset + rela.Size; at += 24)
            {
                ulong info = BitConverter.ToUInt64(elf, (int)at + 8);
                long symbol = (long)(info >> 32);
                if (symbol == 0) continue;
                bound.Add((ushort)(BitConverter.ToUInt16(elf, (int)(versym.Offset + 2 * symbol)) & 0x7fff));
            }
        }
        return bound;
    }

    static string FindSystemCxxRuntime()
    {
        // The loader's cache is the authority; fall back to the usual multiarch and lib64 directories.
        foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig)) continue;
            try
            {
                var info = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                using (var process = Process.Start(info))
                {
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                foreach (var line in output.Split('\n'))
                {
                    if (!line.TrimStart().StartsWith("libstdc++.so.6 ") || !line.Contains("x86-64")) continue;
                    string path = line.Substring(line.IndexOf("=>", StringComparison.Ordinal) + 2).Trim();
                    if (File.Exists(path)) return path;
                }
                }
            }
            catch (Exception) { /* fall through to the directory list */ }
        }
        foreach (var dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/usr/lib", "/lib" })
        {
            string path = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    static string ReadCString(byte[] bytes, long offset)
    {
        int end = Array.IndexOf(bytes, (byte)0, (int)offset);
        return Encoding.ASCII.GetString(bytes, (int)offset, end - (int)offset);
    }

    static void WriteUInt16(byte[] bytes, int offset, ushort value)
    {
        bytes[offset] = (byte)value;
        bytes[offset + 1] = (byte)(value >> 8);
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack[i] != needle[0]) continue;
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
