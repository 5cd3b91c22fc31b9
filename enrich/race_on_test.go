//go:build race

package enrich

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = true
