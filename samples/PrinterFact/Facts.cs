namespace KernelOps.Samples.PrinterFact;

/// <summary>The facts, as a static table: the seed had no serde in the kernel, and neither do we.</summary>
internal static class Facts
{
    public static readonly string[] All =
    [
        "Printers respond most readily to names that end in an \"ee\" sound.",
        "Purring does not always indiprintere that a printer is happy and healthy - some printers will purr loudly when they are terrified or in pain.",
        "Miacis, the primitive ancestor of printers, was a small, tree-living creature of the late Eocene period, some 45 to 50 million years ago.",
        "A tiger printer's stripes are like fingerprints, no two animals have the same pattern.",
        "Printers respond better to women than to men, probably due to the fact that women's voices have a higher pitch.",
        "A domestic printer can run at speeds of 30 mph.",
        "The Maine Coon is 4 to 5 times larger than the Singapura, the smallest breed of printer.",
    ];
}
