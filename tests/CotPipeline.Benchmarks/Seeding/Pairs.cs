using System.Text;
using CotPipeline.Domain;
using CotPipeline.Storage;

namespace CotPipeline.Benchmarks.Seeding;

/// <summary>Synthetic QA pairs shaped like the method's (Chinese exam questions, some in English), about 400 bytes each.</summary>
internal static class Pairs
{
    public static readonly string[] Departments =
        ["cardiology", "neurology", "心内科", "儿科", "endocrinology", "emergency", "呼吸内科", "general"];

    public static string Id(int i) => $"q{i:D6}";

    /// <summary>The number in an id made by <see cref="Id"/>.</summary>
    public static int Index(string id) => int.Parse(id.AsSpan(1));

    public static string Department(int i) => Departments[i % Departments.Length];

    public static QaItem Pair(int i) => new(Id(i), Department(i),
        $"患者男，{40 + (i % 40)}岁，突发胸痛{1 + (i % 6)}小时，伴大汗，心电图示II、III、aVF导联ST段抬高。Patient {i}: which diagnosis is most likely, and which first step is right?",
        new Dictionary<string, string> { ["A"] = "稳定型心绞痛 stable angina", ["B"] = "急性下壁心肌梗死 acute inferior MI", ["C"] = "主动脉夹层 aortic dissection", ["D"] = "急性心包炎 acute pericarditis" },
        "B");

    /// <summary>The upload of pairs 0 … n−1: one JSON object per line, as an operator would send it.</summary>
    public static string Jsonl(int n)
    {
        var text = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            text.Append(Json.Serialize(Pair(i))).Append('\n');
        }

        return text.ToString();
    }
}
