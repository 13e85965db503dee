// Command strip turns a CustomResourceDefinition (YAML on stdin) into the
// test fixture the gitops tests validate against: the openAPIV3Schema of
// the version named by the argument, without descriptions, status or
// operation, as JSON.
//
//	git show TAG:PATH | go run ./bundle/testdata/crds/strip VERSION > FILE.json
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/yaml"
)

type crd struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// strip removes the description keyword from a schema and every schema in
// it; a property that happens to be named "description" stays.
func strip(s map[string]any) {
	delete(s, "description")
	for _, k := range []string{"items", "additionalProperties", "not"} {
		if sub, ok := s[k].(map[string]any); ok {
			strip(sub)
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for _, p := range props {
			if sub, ok := p.(map[string]any); ok {
				strip(sub)
			}
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := s[k].([]any); ok {
			for _, p := range list {
				if sub, ok := p.(map[string]any); ok {
					strip(sub)
				}
			}
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: strip VERSION < crd.yaml")
		os.Exit(2)
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var c crd
	if err := yaml.Unmarshal(in, &c); err != nil {
		panic(err)
	}
	for _, v := range c.Spec.Versions {
		if v.Name != os.Args[1] {
			continue
		}
		strip(v.Schema.OpenAPIV3Schema)
		// edict writes desired state only; what controllers report is not
		// part of what is checked.
		if props, ok := v.Schema.OpenAPIV3Schema["properties"].(map[string]any); ok {
			delete(props, "status")
			delete(props, "operation")
		}
		out, err := json.MarshalIndent(map[string]any{
			"apiVersion": c.Spec.Group + "/" + v.Name,
			"kind":       c.Spec.Names.Kind,
			"schema":     v.Schema.OpenAPIV3Schema,
		}, "", " ")
		if err != nil {
			panic(err)
		}
		os.Stdout.Write(append(out, '\n'))
		return
	}
	fmt.Fprintf(os.Stderr, "no version %s\n", os.Args[1])
	os.Exit(1)
}
