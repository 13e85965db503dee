package compile

import (
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/edict-policy/edict/engine"
	"github.com/edict-policy/edict/target"
)

func TestZZ(t *testing.T) {
	newest, _ := target.Newest.Builtins()
	for _, b := range engine.Capabilities().Builtins {
		if !newest[b.Name] {
			fmt.Println("missing in 3.23:", b.Name)
		}
	}
	_ = ast.BuiltinMap
}
