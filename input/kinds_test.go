package input

import (
	"strings"
	"testing"
)

func TestCheckKind(t *testing.T) {
	cases := []struct {
		name, data string
		want       []string // substrings; none means no error
	}{
		{"initiative", "apiVersion: edict.dev/v1alpha1\nkind: Initiative\n", nil},
		{"suite", "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\n", nil},
		{"pod", "apiVersion: v1\nkind: Pod\n", nil},
		{"network policy", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n", nil},
		{"audit policy", "apiVersion: audit.k8s.io/v1\nkind: Policy\n", nil},
		{"not yaml of ours", "a: b\n", nil},
		{"misspelt initiative", "apiVersion: edict.dev/v1alpha1\nkind: Initative\n", []string{"f.yaml:2:7", `unknown kind "Initative"`, `did you mean "Initiative"?`}},
		{"plural initiative test", "apiVersion: edict.dev/v1alpha1\nkind: InitiativeTests\n", []string{"f.yaml:2:7", `did you mean "InitiativeTest"?`}},
		{"misspelt suite", "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suit\n", []string{"f.yaml:2:7", `did you mean "Suite"?`}},
		{"near miss under another apiVersion", "apiVersion: v1\nkind:   Initiatve\n", []string{"f.yaml:2:9", `did you mean "Initiative"?`}},
		{"lower case", "kind: initiative\napiVersion: edict.dev/v1alpha1\n", []string{"f.yaml:1:7", `did you mean "Initiative"?`}},
		{"edict file without kind", "apiVersion: edict.dev/v1alpha1\nmetadata: {name: x}\n", []string{"f.yaml:1:1", "without a kind"}},
		{"unknown edict kind", "apiVersion: edict.dev/v1alpha1\nkind: Bundle\n", []string{`unknown kind "Bundle"`, "known: Initiative, InitiativeTest, Policy"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckKind("f.yaml", []byte(tc.data))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !IsInputError(err) {
				t.Errorf("not an input error: %T", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}
