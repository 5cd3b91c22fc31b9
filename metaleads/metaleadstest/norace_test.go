//go:build !race

package metaleadstest_test

// raceEnabled shrinks the volume tests under the race detector.
const raceEnabled = false
