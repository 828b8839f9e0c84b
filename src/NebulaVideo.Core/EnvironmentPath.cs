using System.IO;

namespace NebulaVideo.Core
{
    /// <summary>Paths taken from environment variables, which every runspace of the process shares.</summary>
    internal static class EnvironmentPath
    {
        /// <summary>
        /// The variable's path, which must be absolute: a relative one would be read against the process's working
        /// folder, which is neither the session's location (Set-Location does not move it) nor the same for every
        /// runspace, so a rerun from elsewhere would look in another place.
        /// </summary>
        public static string Full(string value, string variable, ErrorId id)
        {
            if (!Path.IsPathRooted(value))
                throw new NebulaVideoException(id, $"The environment variable {variable} holds the relative path '{value}'.", value,
                    $"Set {variable} to a full path, e.g. $env:{variable} = (Join-Path $PWD '{Path.GetFileName(value)}').");
            return Path.GetFullPath(value);
        }
    }
}
