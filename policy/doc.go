// Package policy decides whether a principal may do an action: the action
// catalogue, the numeric limits, immutable matrix snapshots, sessions with
// elevation, and Decide, a pure function that returns a Verdict with a reason.
// It does no I/O and imports nothing of ours.
package policy
