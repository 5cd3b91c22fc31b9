package cli

import (
	"fmt"

	"github.com/ecademy/leadkit/enrich"
)

// StrategyUsage describes the -strategy flag of the programs that enrich
// leads.
const StrategyUsage = "`name` of the way to read the CRM: auto (the cheaper by estimated requests), per-lead (search each lead; few leads) or bulk (read every card, payment and lesson once; many leads)"

// ParseStrategy parses a -strategy flag: auto, per-lead or bulk. The naive
// strategy is refused: it exists for benchmarks and misses cards by design.
func ParseStrategy(s string) (enrich.Strategy, error) {
	st, err := enrich.ParseStrategy(s)
	if err != nil || st == enrich.StrategyNaive {
		return 0, fmt.Errorf("-strategy %q: want auto, per-lead or bulk", s)
	}
	return st, nil
}
