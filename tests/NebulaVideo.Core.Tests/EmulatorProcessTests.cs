using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>The emulator as a process of its own, as the demo and the Pester suites start it.</summary>
    public sealed class EmulatorProcessTests
    {
        [Fact]
        public async Task The_emulator_process_stops_on_SIGTERM_instead_of_waiting_forever()
        {
            if (OperatingSystem.IsWindows()) return; // no POSIX signals to send there
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "NebulaVideo.Emulator.dll"), "--port", "0", "--storage-port", "0" })
                info.ArgumentList.Add(argument);
            using var emulator = Process.Start(info)!;
            try
            {
                var line = await emulator.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.StartsWith("NebulaVideo emulator listening on http://127.0.0.1:", line);

                using (var kill = Process.Start("kill", $"-TERM {emulator.Id}")!) await kill.WaitForExitAsync();
                var stopped = emulator.WaitForExit(10_000);

                Assert.True(stopped, "The emulator was still running 10 s after SIGTERM.");
                Assert.Equal(0, emulator.ExitCode);
            }
            finally
            {
                if (!emulator.HasExited) emulator.Kill(entireProcessTree: true);
            }
        }
    }
}
