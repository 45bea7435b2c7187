// Package admin is the back office on the till: users and their badges,
// groups and the permission matrix, the security settings, the audit log
// and the signed matrix bundle, each on a tab of one screen. Every change is
// decided by the policy for the signed-in session before it runs and is
// written by the store together with its audit row; a refusal is shown with
// the policy's reason and audited as denied.
//
// It declares what it needs (Store, Bundles, Policy) in its own types, so it
// imports only policy and device of ours: never package ui (the window
// embeds this screen through ui.Deps.Admin), never store (cmd/till adapts
// *store.DB in wire_admin.go), never a concrete device package.
package admin
