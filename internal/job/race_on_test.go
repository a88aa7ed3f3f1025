//go:build race

package job

// raceEnabled: the race detector is on; the memory measurements skip
// (they measure the detector, and take minutes under it).
const raceEnabled = true
