package compile

import "github.com/edict-policy/edict/input"

// Error is the positioned input error every load, resolve and compile
// failure the user can fix is reported as.
//
// Deprecated: use input.Error; this name stays while other branches move.
type Error = input.Error

// ErrorList collects several input errors.
//
// Deprecated: use input.ErrorList.
type ErrorList = input.ErrorList

// IsInputError reports whether err is the user's to fix.
//
// Deprecated: use input.IsInputError.
func IsInputError(err error) bool { return input.IsInputError(err) }
