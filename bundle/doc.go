// Package bundle is the signed permission-matrix bundle a chain's central
// admin publishes to many tills: groups, their actions and limits, the
// security settings and the users (profiles, argon2id hashes, keyed badge and
// PIN hashes), with a version and an Ed25519 signature.
//
// It owns the file format, signing, verification against a list of trusted
// publisher keys, and the key files. It does no database work: store exports
// a Contents from a till and imports a verified one in one transaction.
//
// It imports only the standard library; it must never import store, ui, cmd
// or any device package (store imports it).
//
// # The file
//
//	till-matrix-bundle v1\n
//	publisher <base64 Ed25519 public key>\n
//	signature <base64 Ed25519 signature>\n
//	<payload: JSON of Contents, exactly the bytes that were signed>
//
// The signature covers "till-matrix-bundle v1\n" followed by the payload
// bytes as they are in the file. Signing exact bytes instead of re-encoding
// parsed JSON is deliberate: encoding/json matches field names without
// regard to case and drops unknown fields, so a "canonical re-encoding" would
// accept some edited files. Here every changed byte is refused. The payload
// is only parsed after the signature has been checked.
package bundle
