using Escudo.Spl.Execution;

namespace Escudo.Tests.Core;

/// <summary>A killed hunt leaves its spill folder behind; the next one to spill removes it, and only it.</summary>
public sealed class SpillDirectoryTests
{
    [Fact]
    public void The_first_spill_removes_folders_of_processes_that_are_gone_and_keeps_live_and_foreign_ones()
    {
        var root = Directory.CreateTempSubdirectory("escudo-spilltest-");
        try
        {
            // 2^31-2 is above every platform's process id limit, so no process has it.
            var dead = Directory.CreateDirectory(Path.Combine(root.FullName, $"escudo-spill-{int.MaxValue - 1}-{Guid.NewGuid():N}"));
            File.WriteAllBytes(Path.Combine(dead.FullName, "groups-0.bin"), new byte[4096]);
            var live = Directory.CreateDirectory(Path.Combine(root.FullName, $"escudo-spill-{Environment.ProcessId}-{Guid.NewGuid():N}"));
            var notOurs = Directory.CreateDirectory(Path.Combine(root.FullName, "escudo-spill-notapid-x"));
            var other = Directory.CreateDirectory(Path.Combine(root.FullName, "something-else"));

            using (var spill = new SpillDirectory(root.FullName))
            {
                var file = spill.NewFile("groups");
                File.WriteAllBytes(file, [1, 2, 3]);
                dead.Refresh();
                Assert.False(dead.Exists);
                Assert.True(Directory.Exists(live.FullName));
                Assert.True(Directory.Exists(notOurs.FullName));
                Assert.True(Directory.Exists(other.FullName));
                Assert.True(File.Exists(file));
            }

            // Disposing removes this run's own folder, not the live one made above.
            Assert.Equal(
                new[] { live.Name, notOurs.Name, other.Name }.Order(),
                root.GetDirectories().Select(d => d.Name).Order());
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
