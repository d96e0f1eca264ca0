using System.Text.RegularExpressions;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;

namespace Escudo.Detections.Output;

/// <summary>
/// Notable and risk events for a detection's results, with Enterprise Security's field names.
/// Risk objects come from the <c>rba</c> block when a detection has one, else from
/// <c>tags.observable</c>: observables with role Victim are risk objects (score
/// <c>tags.risk_score</c>), observables with role Attacker are threat objects. Messages have
/// <c>$field$</c> filled from the result row.
/// </summary>
public static partial class AlertBuilder
{
    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_.]*)\$")]
    private static partial Regex TokenRegex();

    /// <summary>Fills <c>$field$</c> tokens from the row; a multivalue shows its values joined by ", "; a missing field leaves the token empty.</summary>
    public static string Fill(string template, Row row) => TokenRegex().Replace(template, m =>
    {
        var v = row.Get(m.Groups[1].Value);
        return v.IsNull ? string.Empty : string.Join(", ", v.Items.ToArray());
    });

    public static string SearchName(Detection d) => $"ESCU - {d.Name} - Rule";

    public static double RiskScore(Detection d) => d.Tags.RiskScore ?? Math.Round((d.Tags.Impact ?? 0) * (d.Tags.Confidence ?? 0) / 100.0);

    public static Row Notable(Detection d, Row result, double now)
    {
        var n = new Row(result.Count + 24);
        var time = result.Time;
        n.Set(FieldTable.Time, Value.FromNumber(double.IsNaN(time) ? now : time));
        n.Set("search_name", SearchName(d));
        n.Set("rule_name", d.Name);
        n.Set("rule_title", d.Tags.Message is { } m ? Fill(m, result) : d.Name);
        n.Set("rule_description", d.Description);
        n.Set("rule_id", d.Id);
        n.Set("security_domain", d.Tags.SecurityDomain);
        var score = RiskScore(d);
        var severity = Severity.FromRiskScore(score);
        n.Set("severity", severity);
        n.Set("urgency", severity);
        n.Set("status", "new");
        n.Set("status_label", "New");
        n.Set("detection_type", d.Type);
        n.Set("risk_score", Value.FromNumber(score));
        SetAnnotations(n, d);
        if (d.DrilldownSearches is { Count: > 0 } drilldowns)
        {
            n.Set("drilldown_searches", Value.FromMulti(drilldowns.Select(x => Fill(x.Name, result) + " :: " + Fill(x.Search.Replace("%original_detection_search%", d.Search, StringComparison.Ordinal), result)).ToList()));
        }

        for (var i = 0; i < result.Count; i++)
        {
            var name = result.NameAt(i);
            if (name == "_time" || name.StartsWith("orig_", StringComparison.Ordinal))
            {
                continue;
            }

            // Result fields ride along as they are, and under orig_ when they collide with an ES field.
            var id = result.IdAt(i);
            if (n.Has(id))
            {
                n.Set("orig_" + name, result.ValueAt(i));
            }
            else
            {
                n.Set(id, result.ValueAt(i));
            }
        }

        SetEvidence(n, result);
        return n;
    }

    /// <summary>
    /// Escudo's provenance fields, after Splunk's and under their own prefix: how many events made
    /// the result and the first and last of their event times (the row's <see cref="Row.Evidence"/>
    /// holds the references themselves, written out as <c>escudo_evidence</c>). Splunk's <c>_time</c>
    /// is left as it is.
    /// </summary>
    public static void SetEvidence(Row alert, Row result)
    {
        if (Evidence.Of(result) is not { } e)
        {
            return;
        }

        alert.Evidence = e;
        alert.Set(EvidenceCountId, Value.FromNumber(e.Count));
        if (!double.IsNaN(e.FirstTime))
        {
            alert.Set(FirstTimeId, Value.FromNumber(e.FirstTime));
            alert.Set(LastTimeId, Value.FromNumber(e.LastTime));
        }
    }

    public static readonly int EvidenceCountId = FieldTable.Intern("escudo_evidence_count");
    public static readonly int FirstTimeId = FieldTable.Intern("escudo_first_time");
    public static readonly int LastTimeId = FieldTable.Intern("escudo_last_time");

    private static void SetAnnotations(Row n, Detection d)
    {
        var techniques = d.Tags.MitreAttackId ?? [];
        if (techniques.Count > 0)
        {
            n.Set("annotations.mitre_attack", Value.FromMulti(techniques));
            n.Set("annotations.mitre_attack.mitre_technique_id", Value.FromMulti(techniques));
        }

        var stories = d.Tags.AnalyticStory ?? [];
        if (stories.Count > 0)
        {
            n.Set("analyticstories", Value.FromMulti(stories));
            n.Set("annotations.analytic_story", Value.FromMulti(stories));
        }

        var all = new List<string>(techniques);
        all.AddRange(stories);
        all.AddRange(d.Tags.Cve ?? []);
        if (all.Count > 0)
        {
            n.Set("annotations._all", Value.FromMulti(all));
        }
    }

    /// <summary>The risk objects a detection promises, as (field, type, role, score).</summary>
    public static IReadOnlyList<(string Field, string Type, string Role, double Score, bool Threat)> RiskObjects(Detection d)
    {
        var score = RiskScore(d);
        var list = new List<(string, string, string, double, bool)>();
        if (d.Rba is { } rba)
        {
            foreach (var o in rba.RiskObjects ?? [])
            {
                list.Add((o.Field, Severity.RiskObjectType(o.Type), "victim", o.Score ?? score, false));
            }

            foreach (var o in rba.ThreatObjects ?? [])
            {
                list.Add((o.Field, o.Type, "attacker", 0, true));
            }

            return list;
        }

        foreach (var o in d.Tags.Observable ?? [])
        {
            var roles = o.Role ?? [];
            var victim = roles.Any(r => r.Equals("Victim", StringComparison.OrdinalIgnoreCase));
            var attacker = roles.Any(r => r.Equals("Attacker", StringComparison.OrdinalIgnoreCase));
            if (victim)
            {
                list.Add((o.Name, Severity.RiskObjectType(o.Type), "victim", score, false));
            }
            else if (attacker)
            {
                list.Add((o.Name, o.Type.ToLowerInvariant().Replace(' ', '_'), "attacker", 0, true));
            }
        }

        return list;
    }

    /// <summary>One risk event per risk object value in the row; threat objects ride on each risk event.</summary>
    public static List<Row> Risk(Detection d, Row result, double now)
    {
        var objects = RiskObjects(d);
        var message = d.Rba?.Message ?? d.Tags.Message ?? d.Name;
        var filled = Fill(message, result);
        var threats = objects.Where(o => o.Threat).SelectMany(o => result.Get(o.Field).Items.ToArray().Select(v => (Value: v, o.Type))).ToList();
        var events = new List<Row>();
        foreach (var o in objects.Where(o => !o.Threat))
        {
            foreach (var value in result.Get(o.Field).Items.ToArray())
            {
                if (string.IsNullOrEmpty(value))
                {
                    continue;
                }

                var r = new Row(24);
                var time = result.Time;
                r.Set(FieldTable.Time, Value.FromNumber(double.IsNaN(time) ? now : time));
                r.Set("search_name", SearchName(d));
                r.Set("source", SearchName(d));
                r.Set("rule_id", d.Id);
                r.Set("risk_object", value);
                r.Set("normalized_risk_object", value.ToLowerInvariant());
                r.Set("risk_object_type", o.Type);
                r.Set("risk_object_role", o.Role);
                r.Set("risk_object_field", o.Field);
                r.Set("risk_score", Value.FromNumber(o.Score));
                r.Set("calculated_risk_score", Value.FromNumber(o.Score));
                r.Set("risk_message", filled);
                if (threats.Count > 0)
                {
                    r.Set("threat_object", Value.FromMulti(threats.Select(t => t.Value).ToList()));
                    r.Set("threat_object_type", Value.FromMulti(threats.Select(t => t.Type).ToList()));
                }

                SetAnnotations(r, d);
                r.Set("tag", Value.FromMulti(["risk"]));
                r.Set(FieldTable.SourceType, Value.FromString("stash"));
                r.Set(FieldTable.Index, Value.FromString("risk"));
                SetEvidence(r, result);
                events.Add(r);
            }
        }

        return events;
    }
}
