using System.Globalization;
using System.Text;

namespace Escudo.Cli.Commands;

/// <summary>
/// A small, made-up Sysmon recording in Splunk's XmlWinEventLog form for `escudo demo`: regasm.exe
/// reaching a public address (and, to show the CIDR rules, 172.32.0.0/16, which is outside
/// 172.16.0.0/12), regasm.exe reaching private addresses, unrelated traffic and processes, and a
/// Remote Manipulator System registry write.
/// </summary>
internal static class DemoData
{
    private const string Host = "win-demo-01.escudo.local";
    private const string User = "ESCUDO\\alice";

    public static string XmlLines(DateTime baseUtc)
    {
        var sb = new StringBuilder();
        var record = 1000;
        var t = baseUtc;
        void Add(int eventId, string data)
        {
            t = t.AddSeconds(7);
            record++;
            sb.Append("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385F-C22A-43E0-BF4C-06F5698FFBD9}'/>")
              .Append("<EventID>").Append(eventId).Append("</EventID><Version>5</Version><Level>4</Level><Task>").Append(eventId).Append("</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>")
              .Append("<TimeCreated SystemTime='").Append(t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture)).Append("'/>")
              .Append("<EventRecordID>").Append(record).Append("</EventRecordID><Correlation/><Execution ProcessID='2912' ThreadID='3424'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>")
              .Append("<Computer>").Append(Host).Append("</Computer><Security UserID='S-1-5-18'/></System><EventData>")
              .Append(data)
              .Append("</EventData></Event>\n");
        }

        string D(string name, string value) => $"<Data Name='{name}'>{value}</Data>";
        string Net(string image, string src, string dst, int port) =>
            D("RuleName", "-") + D("UtcTime", t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)) + D("ProcessGuid", "{96128EA2-F212-5F7E-E400-000000007F01}")
            + D("ProcessId", "4242") + D("Image", image) + D("User", User) + D("Protocol", "tcp") + D("Initiated", "true") + D("SourceIsIpv6", "false")
            + D("SourceIp", src) + D("SourceHostname", Host) + D("SourcePort", "49712") + D("SourcePortName", "-") + D("DestinationIsIpv6", "false")
            + D("DestinationIp", dst) + D("DestinationHostname", dst.StartsWith("185.", StringComparison.Ordinal) ? "payload.evil-cdn.example" : "-") + D("DestinationPort", port.ToString(CultureInfo.InvariantCulture)) + D("DestinationPortName", port == 443 ? "https" : "-");
        string Proc(string image, string cmd, string parent) =>
            D("RuleName", "-") + D("UtcTime", t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)) + D("ProcessGuid", "{96128EA2-F212-5F7E-E400-000000007F02}")
            + D("ProcessId", "4242") + D("Image", image) + D("FileVersion", "4.8.4084.0") + D("Description", "-") + D("Product", "-") + D("Company", "-")
            + D("OriginalFileName", Path.GetFileName(image)) + D("CommandLine", cmd) + D("CurrentDirectory", "C:\\Users\\alice\\") + D("User", User)
            + D("LogonGuid", "{96128EA2-F210-5F7E-ACD4-080000000000}") + D("LogonId", "0x8d4ac") + D("TerminalSessionId", "1") + D("IntegrityLevel", "Medium")
            + D("Hashes", "MD5=F4F684066175B77E0C3A000549D2922C,SHA256=935C1861DF1F4018D698E8B65ABFA02D7E9037D8F68CA3C2065B6CA165D44AD2")
            + D("ParentProcessGuid", "{96128EA2-F211-5F7E-DF00-000000007F01}") + D("ParentProcessId", "4624") + D("ParentImage", parent) + D("ParentCommandLine", parent);
        string Reg(string type, string target, string? details) =>
            D("RuleName", "-") + D("EventType", type) + D("UtcTime", t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)) + D("ProcessGuid", "{96128EA2-F212-5F7E-E400-000000007F03}")
            + D("ProcessId", "5120") + D("Image", "C:\\Users\\alice\\AppData\\Local\\Temp\\rms\\rutserv.exe") + D("TargetObject", target)
            + (details is null ? string.Empty : D("Details", details)) + D("User", User);

        const string Regasm = "C:\\Windows\\Microsoft.NET\\Framework\\v4.0.30319\\RegAsm.exe";
        Add(1, Proc(Regasm, Regasm + " /U C:\\Users\\alice\\AppData\\Local\\Temp\\payload.dll", "C:\\Windows\\System32\\cmd.exe"));
        Add(3, Net(Regasm, "10.10.4.21", "185.199.108.133", 443));
        Add(3, Net(Regasm, "10.10.4.21", "185.199.108.133", 443));
        Add(3, Net(Regasm, "10.10.4.21", "172.32.9.14", 8080));
        Add(3, Net(Regasm, "10.10.4.21", "10.10.0.5", 445));
        Add(3, Net(Regasm, "10.10.4.21", "172.20.1.1", 80));
        Add(3, Net(Regasm, "10.10.4.21", "192.168.1.10", 53));
        Add(3, Net("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "10.10.4.21", "142.250.74.78", 443));
        Add(1, Proc("C:\\Windows\\System32\\notepad.exe", "notepad.exe C:\\notes.txt", "C:\\Windows\\explorer.exe"));
        Add(12, Reg("CreateKey", "HKLM\\SYSTEM\\Remote Manipulator System", null));
        Add(13, Reg("SetValue", "HKLM\\SYSTEM\\Remote Manipulator System\\v4\\Server\\Parameters\\Options", "Binary Data"));
        Add(13, Reg("SetValue", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive", "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe /background"));
        return sb.ToString();
    }
}
