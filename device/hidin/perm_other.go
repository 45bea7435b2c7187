//go:build !linux

package hidin

// permissionDenied cannot tell on this platform; the open error is shown as is.
func permissionDenied(string) bool { return false }
