namespace NebulaVideo.Core.Submissions
{
    /// <summary>
    /// -MaxCostUsd: the most a command may commit, by the catalog's prices. An item whose estimate would take the total
    /// past it is refused before it is sent (or shown by -WhatIf), and so is one whose price is unknown.
    /// </summary>
    public sealed class Budget
    {
        private readonly decimal? _limit;

        public Budget(decimal? maxUsd) => _limit = maxUsd;

        /// <summary>What the items sent (or shown by -WhatIf) come to.</summary>
        public decimal CommittedUsd { get; private set; }

        /// <summary>Items refused, and what those whose price is known would have cost.</summary>
        public int Refused { get; private set; }

        public decimal RefusedUsd { get; private set; }

        /// <summary>Refuses an item that would take the command past the limit, or whose price cannot be held to it.</summary>
        public void Check(decimal? cost, string item)
        {
            if (_limit is not decimal limit) return;
            if (cost is decimal known && CommittedUsd + known <= limit) return;
            Refused++;
            RefusedUsd += cost ?? 0m;
            throw cost is null
                ? new NebulaVideoException(ErrorIds.BudgetPriceUnknown,
                    $"{item} was not submitted: its price is unknown, so it cannot be held to -MaxCostUsd {Money.Usd(limit)}.", item,
                    "Add the model's price to the catalog file, or leave -MaxCostUsd out for models without a published price.")
                : new NebulaVideoException(ErrorIds.BudgetExceeded,
                    $"{item} was not submitted: its estimate of {Money.Usd(cost.Value)} USD would take this command past -MaxCostUsd {Money.Usd(limit)} ({Money.Usd(CommittedUsd)} USD committed so far).", item,
                    "Raise -MaxCostUsd, or submit the rest in another run.");
        }

        /// <summary>Counts an item as spent (sent, or shown by -WhatIf as the real run would send it).</summary>
        public void Commit(decimal? cost) => CommittedUsd += cost ?? 0m;

        /// <summary>The closing warning when the limit refused anything; null otherwise.</summary>
        public string? Summary() => _limit is decimal limit && Refused > 0
            ? $"-MaxCostUsd {Money.Usd(limit)}: {Money.Usd(CommittedUsd)} USD committed; {Refused} item(s) not submitted"
              + (RefusedUsd > 0 ? $" (estimated {Money.Usd(RefusedUsd)} USD, plus any of unknown price)." : " (their price is unknown).")
            : null;
    }
}
