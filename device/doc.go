// Package device holds the interfaces the till uses to reach hardware: the
// fiscal Register, cash Drawers, and the input events produced by scanners,
// card readers and badge readers. Implementations live in sub-packages; only
// cmd/till knows concrete types. This package imports nothing of ours.
package device
