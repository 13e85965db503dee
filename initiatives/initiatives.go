// Package initiatives embeds the built-in initiatives users duplicate and
// override. Each file is named after the initiative's metadata.name.
package initiatives

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml
var files embed.FS

// FS returns the built-in initiatives, one <name>.yaml each at the root.
func FS() fs.FS { return files }
