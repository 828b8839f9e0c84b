using System.IO;
using System.Linq;
using System.Text;

namespace NebulaVideo.Tooling
{
    /// <summary>
    /// The input of issue 16's sandbox runbook: a job file (Prompt,Path) and its images, each a 640x480 PNG header with
    /// bytes of its own after it, which is all the module reads of an image before it goes inline to wan2.5, so that many
    /// thousands stay small. Compiled into the engine tests (SandboxMemoryTests) and the bench (its runbook rows).
    /// </summary>
    internal static class SandboxJobs
    {
        private static readonly byte[] Header =
        {
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R',
            0, 0, 640 >> 8, 640 & 0xFF, 0, 0, 480 >> 8, 480 & 0xFF, 8, 2, 0, 0, 0, 0, 0, 0, 0,
        };

        /// <summary>Writes <paramref name="count"/> images named <paramref name="prefix"/>-00000.png on into <paramref name="folder"/>, and the job file beside them; returns its path.</summary>
        public static string Write(string folder, string prefix, int count, string prompt)
        {
            Directory.CreateDirectory(folder);
            var csv = new StringBuilder("Prompt,Path\n");
            for (var i = 0; i < count; i++)
            {
                var path = Path.Combine(folder, $"{prefix}-{i:00000}.png");
                File.WriteAllBytes(path, Header.Concat(Encoding.ASCII.GetBytes($"\0{prefix}-{i:00000}")).ToArray());
                csv.Append('"').Append(prompt).Append("\",\"").Append(path).Append("\"\n");
            }
            var file = Path.Combine(folder, "jobs.csv");
            File.WriteAllText(file, csv.ToString());
            return file;
        }
    }
}
