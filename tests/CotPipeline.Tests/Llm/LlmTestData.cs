using CotPipeline.Domain;
using CotPipeline.Llm;
using CotPipeline.Options;

namespace CotPipeline.Tests.Llm;

/// <summary>QA pairs and requests shared by the LLM tests.</summary>
internal static class LlmTestData
{
    public static readonly QaItem Chinese = new(
        "zh-1", "cardiology", "患者，男，65岁，突发胸骨后压榨性疼痛2小时，伴大汗。心电图示V1–V4导联ST段抬高。最可能的诊断是？",
        new Dictionary<string, string> { ["A"] = "稳定型心绞痛", ["B"] = "急性前壁心肌梗死", ["C"] = "主动脉夹层", ["D"] = "急性心包炎" },
        "B");

    public static readonly QaItem English = new(
        "en-1", "pharmacology", "Which drug reverses the effect of heparin?",
        new Dictionary<string, string> { ["D"] = "Vitamin K", ["A"] = "Protamine sulfate", ["C"] = "Naloxone", ["B"] = "Flumazenil" },
        "A");

    public static readonly QaItem FiveOptions = new(
        "en-2", "neurology", "A 30-year-old woman has optic neuritis and internuclear ophthalmoplegia. Most likely diagnosis?",
        new Dictionary<string, string> { ["A"] = "Stroke", ["B"] = "Myasthenia gravis", ["C"] = "Migraine", ["D"] = "Tumour", ["E"] = "Multiple sclerosis" },
        "E");

    public static RationaleRequest Draft(QaItem item) => new(item, "rationale-v1", RubricOptions.Default().Criteria, Candidate: 0);

    public static RationaleRequest Regeneration(QaItem item) => Draft(item) with
    {
        Previous = new RationaleVersion
        {
            BatchId = "b1",
            ItemId = item.Id,
            Version = 1,
            Steps = ["旧的第一步。", "旧的第二步。"],
            FinalAnswer = item.Answer,
            Source = RationaleSources.Llm,
            CreatedAt = DateTimeOffset.UnixEpoch,
        },
        Critique =
        [
            new CritiqueEntry("reviewer-17@example.org", Verdict.NeedsRevision,
                new Dictionary<string, int> { ["medical_correctness"] = 2, ["information_sufficiency"] = 3 },
                new Dictionary<string, string> { ["medical_correctness"] = "未排除主动脉夹层。", ["information_sufficiency"] = "Options C and D are not discussed." }),
            new CritiqueEntry("reviewer-23", Verdict.Accept,
                new Dictionary<string, int> { ["medical_correctness"] = 4 },
                new Dictionary<string, string>()),
        ],
        GateFeedback = ["final answer \"C\" does not match the key \"B\""],
    };
}
