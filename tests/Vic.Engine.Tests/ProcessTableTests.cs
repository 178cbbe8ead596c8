using Vic.Engine.Exec;

namespace Vic.Engine.Tests;

public sealed class ProcessTableTests
{
    [Fact]
    public void Busybox_table_drops_the_tether_kernel_threads_and_ps_itself()
    {
        const string output = """
            PID   USER     COMMAND
                1 root     /init
                2 root     [kthreadd]
               45 root     sleep 600
               51 app      sh -c while true; do sleep 1; done
               60 root     ps -ef
            """;
        var table = ProcessTable.Parse(output, psPid: 60);
        Assert.Equal(["PID", "USER", "COMMAND"], table.Titles);
        Assert.Equal([["45", "root", "sleep 600"], ["51", "app", "sh -c while true; do sleep 1; done"]], table.Processes);
    }

    [Fact]
    public void Procps_columns_keep_the_command_whole()
    {
        const string output = """
            UID          PID    PPID  C STIME TTY          TIME CMD
            root           1       0  0 10:00 ?        00:00:00 /init
            root           7       1  0 10:00 ?        00:00:00 nginx: master process nginx -g daemon off;
            """;
        var table = ProcessTable.Parse(output, psPid: 99);
        Assert.Equal(8, table.Titles.Count);
        Assert.Equal("nginx: master process nginx -g daemon off;", Assert.Single(table.Processes)[^1]);
    }

    [Fact]
    public void Output_without_a_pid_column_is_an_error()
    {
        var e = Assert.Throws<Vic.PortLayer.InternalException>(() => ProcessTable.Parse("USER COMMAND\nroot sh\n", 1));
        Assert.Equal("Couldn't find PID field in ps output", e.Message);
    }
}
