using System;
using System.Diagnostics;

namespace NebulaVideo.Core
{
    /// <summary>
    /// Who is writing, in a form other runs can check: the journal's owners and the temporary files of saves name
    /// the machine and process that made them, so a run can tell a live writer on this machine from a dead one.
    /// </summary>
    internal static class LocalProcess
    {
        public static readonly int Id = GetId();

        public static readonly string Machine = Environment.MachineName;

        /// <summary>True while a process with this id runs on this machine (a reused id reads as running: the safe side).</summary>
        public static bool IsRunning(int processId)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false; // it ended between the two calls
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return true; // there, but not ours to inspect (another user's, on Windows): running, for all we know
            }
        }

        private static int GetId()
        {
            using var current = Process.GetCurrentProcess();
            return current.Id;
        }
    }
}
