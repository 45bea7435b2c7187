// Package policy decides whether a principal may do an action: the action
// catalogue, the numeric limits, immutable matrix snapshots, sessions with
// elevation, the approval and lockout rules, and Decide, a pure function
// that returns a Verdict with a reason.
//
// It owns the meaning of the permission matrix (what an action ID is, what
// a limit's number means, which user's rights apply under elevation) and the
// words for its decisions (message keys with English fallbacks; the texts
// live in assets/lang/policy). The store owns the matrix's storage and hands
// a Matrix to NewSnapshot; the UI and the sale core ask Decide.
//
// It does no I/O, keeps no global mutable state, uses no floats, and must
// never import another package of this module, Fyne or database code: it is
// the part of the till every other part may depend on. Time enters only as
// arguments (sessions, lockouts), never through time.Now.
//
// See docs/policy.md for the catalogue, the reason codes and the decisions
// behind them.
package policy
