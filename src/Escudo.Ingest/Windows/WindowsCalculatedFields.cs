using Escudo.Core.Events;
using Escudo.Core.Values;
using static Escudo.Ingest.Windows.FieldExpr;
using static Escudo.Ingest.Windows.WindowsLookupTables;

namespace Escudo.Ingest.Windows;

/// <summary>
/// The add-ons' calculated fields that are more than an alias, a lookup or a constant (EVAL and
/// REPORT expressions), each as a function of the event's row for <see cref="WindowsFieldRules"/>.
/// </summary>
internal static class WindowsCalculatedFields
{
    internal static Func<Row, Value> RegistryValueType()
    {
        var details = FieldTable.Intern("Details");
        return r =>
        {
            var s = r.Get(details).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            if (s.StartsWith("DWORD", StringComparison.Ordinal))
            {
                return Value.FromString("REG_DWORD");
            }

            if (s.StartsWith("QWORD", StringComparison.Ordinal))
            {
                return Value.FromString("REG_QWORD");
            }

            if (s.StartsWith("Binary Data", StringComparison.Ordinal))
            {
                return Value.FromString("REG_BINARY");
            }

            return Value.FromString("REG_SZ");
        };
    }

    internal static Func<Row, Value> RegistryHive()
    {
        var target = FieldTable.Intern("TargetObject");
        return r =>
        {
            var s = r.Get(target).FirstString();
            if (s is null)
            {
                return Value.Null;
            }

            var first = s.Split('\\', 2)[0].ToUpperInvariant();
            return first switch
            {
                "HKLM" or "HKEY_LOCAL_MACHINE" => Value.FromString("HKEY_LOCAL_MACHINE"),
                "HKU" or "HKEY_USERS" => Value.FromString("HKEY_USERS"),
                "HKCU" or "HKEY_CURRENT_USER" => Value.FromString("HKEY_CURRENT_USER"),
                "HKCR" or "HKEY_CLASSES_ROOT" => Value.FromString("HKEY_CLASSES_ROOT"),
                "HKCC" or "HKEY_CURRENT_CONFIG" => Value.FromString("HKEY_CURRENT_CONFIG"),
                _ => Value.Null,
            };
        };
    }

    /// <summary>Sysmon 12 EventType → action (S1 EVAL-action).</summary>
    internal static Func<Row, Value> RegistryAction()
    {
        var code = FieldTable.Intern("EventCode");
        var type = FieldTable.Intern("EventType");
        return r =>
        {
            var t = r.Get(type).FirstString();
            return (r.Get(code).FirstString(), t) switch
            {
                ("12", "CreateKey") => Value.FromString("created"),
                ("12", "DeleteKey") or ("12", "DeleteValue") => Value.FromString("deleted"),
                ("13", _) => Value.FromString("modified"),
                ("14", _) => Value.FromString("modified"),
                _ => Value.Null,
            };
        };
    }

    /// <summary>
    /// S3: process for 4688 = the command line when its first token has a backslash, else the
    /// full NewProcessName (quoted if it has spaces) followed by the arguments.
    /// </summary>
    internal static Func<Row, Value> Process4688()
    {
        var cmd = FieldTable.Intern("CommandLine");
        var name = FieldTable.Intern("NewProcessName");
        return r =>
        {
            var commandLine = r.Get(cmd).FirstString();
            var newProcess = r.Get(name).FirstString();
            if (string.IsNullOrEmpty(commandLine))
            {
                return Value.FromString(newProcess);
            }

            var trimmed = commandLine.TrimStart();
            string first;
            string rest;
            if (trimmed.StartsWith('"'))
            {
                var close = trimmed.IndexOf('"', 1);
                first = close > 0 ? trimmed[..(close + 1)] : trimmed;
                rest = close > 0 ? trimmed[(close + 1)..].TrimStart() : string.Empty;
            }
            else
            {
                var sp = trimmed.IndexOf(' ');
                first = sp > 0 ? trimmed[..sp] : trimmed;
                rest = sp > 0 ? trimmed[(sp + 1)..] : string.Empty;
            }

            if (first.Contains('\\') || newProcess is null)
            {
                return Value.FromString(commandLine);
            }

            var head = newProcess.Contains(' ') ? "\"" + newProcess + "\"" : newProcess;
            return Value.FromString(rest.Length > 0 ? head + " " + rest : head);
        };
    }

    internal static Func<Row, Value> Direction()
    {
        var initiated = FieldTable.Intern("Initiated");
        return r => r.Get(initiated).FirstString() is { } s ? Value.FromString(s.Equals("true", StringComparison.OrdinalIgnoreCase) ? "outbound" : "inbound") : Value.Null;
    }

    internal static Func<Row, Value> Protocol()
    {
        var initiated = FieldTable.Intern("Initiated");
        var destName = FieldTable.Intern("DestinationPortName");
        var srcName = FieldTable.Intern("SourcePortName");
        return r => string.Equals(r.Get(initiated).FirstString(), "true", StringComparison.OrdinalIgnoreCase) ? r.Get(destName) : r.Get(srcName);
    }

    internal static Func<Row, Value> AuditChange(Func<(string Action, string ChangeType, string ObjectCategory), string> pick)
    {
        var code = FieldTable.Intern("EventCode");
        return r => r.Get(code).FirstString() is { } c && AuditChanges.TryGetValue(c, out var e) && pick(e).Length > 0 ? Value.FromString(pick(e)) : Value.Null;
    }

    internal static Func<Row, Value> ChangeAudit(Func<(string ObjectAttrs, string Result), string> pick)
    {
        var code = FieldTable.Intern("EventCode");
        return r => r.Get(code).FirstString() is { } c && ChangeAuditAttrs.TryGetValue(c, out var e) && pick(e).Length > 0 ? Value.FromString(pick(e)) : Value.Null;
    }

    /// <summary>S3 EVAL-ta_windows_action: a case() on upper(Status) whose default is "failure", so every Security event gets a value.</summary>
    internal static Func<Row, Value> TaWindowsAction()
    {
        var status = FieldTable.Intern("Status");
        return r => Value.FromString((r.Get(status).FirstString() ?? string.Empty).ToUpperInvariant() switch
        {
            "0XC000006F" or "0XC0000070" or "0XC000015B" or "0XC0000234" => "denied",
            "0XC0000064" => "unknown",
            "0XC0000133" or "0XC0000225" => "error",
            _ => "failure",
        });
    }

    /// <summary>S3 EVAL-file_name / file_path: <c>if(ObjectType=="File", object_file_*, null())</c>.</summary>
    internal static Func<Row, Value> IfFileObject(Func<Row, Value> then)
    {
        var type = FieldTable.Intern("ObjectType");
        return r => string.Equals(r.Get(type).FirstString(), "File", StringComparison.OrdinalIgnoreCase) ? then(r) : Value.Null;
    }

    /// <summary>S3 REPORT process_command_line_process_and_arguments: the first token of CommandLine (quoted or not) and the rest.</summary>
    internal static Func<Row, Value> CommandLinePart(bool arguments)
    {
        var cmd = FieldTable.Intern("CommandLine");
        return r =>
        {
            var s = r.Get(cmd).FirstString()?.TrimStart();
            if (string.IsNullOrEmpty(s))
            {
                return Value.Null;
            }

            int end;
            if (s[0] == '"')
            {
                var close = s.IndexOf('"', 1);
                end = close > 0 ? close + 1 : s.Length;
            }
            else
            {
                var sp = s.IndexOf(' ');
                end = sp > 0 ? sp : s.Length;
            }

            if (!arguments)
            {
                return Value.FromString(s[..end]);
            }

            var rest = s[end..].TrimStart();
            return rest.Length > 0 ? Value.FromString(rest) : Value.Null;
        };
    }

    /// <summary>S1 EVAL-status-like case for System 7036: param2 running → started, stopped → stopped.</summary>
    internal static Func<Row, Value> ServiceStatus7036()
    {
        var p2 = FieldTable.Intern("param2");
        return r => r.Get(p2).FirstString()?.ToLowerInvariant() switch
        {
            "running" => Value.FromString("started"),
            "stopped" => Value.FromString("stopped"),
            _ => Value.Null,
        };
    }

    /// <summary>Sysmon 3: "ipv6" when SourceIsIpv6 is true, else "ipv4" [inferred; S2 list has protocol_version].</summary>
    internal static Func<Row, Value> ProtocolVersion()
    {
        var v6 = FieldTable.Intern("SourceIsIpv6");
        return r => r.Get(v6).FirstString() is { } s ? Value.FromString(s.Equals("true", StringComparison.OrdinalIgnoreCase) ? "ipv6" : "ipv4") : Value.Null;
    }

    /// <summary>CIM Endpoint.Ports: <c>mvzip(transport, dest_port, "/")</c> (S2 lists it on the Sysmon 3 event).</summary>
    internal static Func<Row, Value> TransportDestPort()
    {
        var transport = FieldTable.Intern("Protocol");
        var port = FieldTable.Intern("DestinationPort");
        return r => r.Get(transport).FirstString() is { } t && r.Get(port).FirstString() is { } p ? Value.FromString(t + "/" + p) : Value.Null;
    }

    internal static readonly int QueryNameId = FieldTable.Intern("QueryName");

    internal static Func<Row, Value> WithoutQuotes(string raw)
    {
        var id = FieldTable.Intern(raw);
        return r => r.Get(id).FirstString() is { } s ? Value.FromString(s.Replace("&quot;", string.Empty, StringComparison.Ordinal).Replace("\"", string.Empty, StringComparison.Ordinal)) : Value.Null;
    }

    /// <summary>The inner XML of the first <c>&lt;name ...&gt;...&lt;/name&gt;</c> block of _raw (S3 *_xml_block transforms).</summary>
    internal static Func<Row, Value> RawBlock(string element)
    {
        var open = "<" + element;
        var close = "</" + element + ">";
        return r =>
        {
            var raw = r.Get(FieldTable.Raw).FirstString();
            if (raw is null)
            {
                return Value.Null;
            }

            var start = raw.IndexOf(open, StringComparison.Ordinal);
            if (start < 0 || start + open.Length >= raw.Length || raw[start + open.Length] is not ('>' or ' '))
            {
                return Value.Null;
            }

            var gt = raw.IndexOf('>', start);
            var end = raw.IndexOf(close, gt + 1, StringComparison.Ordinal);
            return gt > 0 && end > gt ? Value.FromString(raw[(gt + 1)..end]) : Value.Null;
        };
    }

    internal static Func<Row, Value> GenericProcessName()
    {
        var code = FieldTable.Intern("EventCode");
        var newName = FieldTable.Intern("NewProcessName");
        var name = FieldTable.Intern("ProcessName");
        return r => r.Get(code).FirstString() == "4688" ? r.Get(newName) : r.Get(name);
    }

    internal static Func<Row, Value> IpAddress()
    {
        var ip = FieldTable.Intern("IpAddress");
        return r =>
        {
            var s = r.Get(ip).FirstString();
            return string.IsNullOrEmpty(s) || s is "-" or "::1" or "127.0.0.1" ? Value.Null : Value.FromString(s);
        };
    }
}
