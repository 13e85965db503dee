// Package engine wraps Gatekeeper's own evaluation engine (the constraint
// framework client with Gatekeeper's admission target, the Rego driver and,
// when enabled, the Kubernetes-native CEL driver) so that edict judges objects
// exactly as Gatekeeper and gator do.
//
// An Engine holds templates, constraints, inventory and expansion templates,
// and reviews objects against them at the gator enforcement point. An Engine
// is not safe for concurrent mutation: callers that share one must serialise
// Add/Remove calls; Review may run concurrently with other Reviews.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/edict-policy/edict/rendered"
	"github.com/go-logr/logr"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/frameworks/constraint/pkg/apis/constraints"
	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	"github.com/open-policy-agent/frameworks/constraint/pkg/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/drivers/k8scel"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/expansion"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/expand"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// EnforcementPoint is the enforcement point reviews are made for: gator's, so
// that constraints scoped to other points behave as they do under gator.
const EnforcementPoint = "gator.gatekeeper.sh"

// Typed errors callers branch on. Errors returned by Engine methods wrap one
// of these (or the framework's own error) with context.
var (
	// ErrSchema marks a constraint rejected by its template's parameter
	// schema; it is the framework's constraints.ErrSchema.
	ErrSchema = constraints.ErrSchema
	// ErrNotTemplate marks an object that is not a ConstraintTemplate.
	ErrNotTemplate = errors.New("not a ConstraintTemplate")
	// ErrTemplate marks a template the framework refuses (schema, Rego, libs).
	ErrTemplate = errors.New("invalid ConstraintTemplate")
	// ErrConstraint marks a constraint the framework refuses.
	ErrConstraint = errors.New("invalid constraint")
	// ErrAdmissionReview marks a malformed AdmissionReview object.
	ErrAdmissionReview = errors.New("invalid AdmissionReview")
	// ErrExpansion marks invalid ExpansionTemplates or a failed expansion.
	ErrExpansion = errors.New("expansion")
)

// rejected is the framework's refusal of an object, matching both the
// engine's sentinel and the framework's own error with errors.Is, and
// printing the framework's words once.
type rejected struct {
	kind error
	what string
	err  error
}

func (r *rejected) Error() string   { return r.what + ": " + r.err.Error() }
func (r *rejected) Unwrap() []error { return []error{r.kind, r.err} }

// Violation is one result of a review.
type Violation struct {
	// Constraint is the violated constraint's name; Kind is its kind.
	Constraint string `json:"constraint"`
	Kind       string `json:"kind"`
	// EnforcementAction is the action at the enforcement point reviews are
	// made for (gator's): deny, warn or dryrun. For a scoped constraint it
	// is the strictest of the actions scoped to that point, so callers
	// treat scoped and plain constraints alike.
	EnforcementAction string `json:"enforcementAction"`
	// ScopedEnforcementActions are the actions a scoped constraint gives
	// that point, as Gatekeeper reported them.
	ScopedEnforcementActions []string `json:"scopedEnforcementActions,omitempty"`
	Msg                      string   `json:"msg"`
	Details                  any      `json:"details,omitempty"`
}

// Option configures an Engine.
type Option func(*config)

type config struct {
	cel bool
}

// WithCEL enables or disables the K8sNativeValidation (CEL) driver. It is on
// by default, as in gator and Gatekeeper: a template carrying both CEL and
// Rego code is then evaluated with CEL.
func WithCEL(enabled bool) Option { return func(c *config) { c.cel = enabled } }

// Engine is one Gatekeeper evaluation environment.
type Engine struct {
	client   *constraintclient.Client
	expander *expand.Expander
	// expansions and namespaces are what the expander was built from;
	// namespaced is set once SetNamespaces was called.
	expansions []*unstructured.Unstructured
	namespaces []*unstructured.Unstructured
	namespaced bool
}

func init() {
	// Gatekeeper's packages log through controller-runtime; without a
	// logger it prints a stack trace on first use. Their logs are not
	// edict's output.
	ctrllog.SetLogger(logr.Discard())
}

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	// apis.AddToScheme only registers generated types; an error here would be
	// a programming error in the framework, surfaced on first use instead.
	_ = apis.AddToScheme(s)
	return s
}()

// New returns an empty Engine.
func New(opts ...Option) (*Engine, error) {
	cfg := config{cel: true}
	for _, o := range opts {
		o(&cfg)
	}
	// Gatekeeper's deployment disables http.send by default; policies that
	// depend on it, or on the other builtins of ForbiddenBuiltins, would pass
	// here and fail in the cluster.
	driver, err := rego.New(rego.DisableBuiltins(forbiddenNames()...))
	if err != nil {
		return nil, fmt.Errorf("rego driver: %w", err)
	}
	args := []constraintclient.Opt{constraintclient.Targets(&target.K8sValidationTarget{})}
	// Driver priority follows registration order; CEL goes first, as in gator.
	if cfg.cel {
		cel, err := k8scel.New()
		if err != nil {
			return nil, fmt.Errorf("CEL driver: %w", err)
		}
		args = append(args, constraintclient.Driver(cel))
	}
	args = append(args,
		constraintclient.Driver(driver),
		constraintclient.EnforcementPoints(EnforcementPoint))
	client, err := constraintclient.NewClient(args...)
	if err != nil {
		return nil, fmt.Errorf("constraint framework client: %w", err)
	}
	return &Engine{client: client}, nil
}

// ParseTemplate converts a ConstraintTemplate of any served version
// (templates.gatekeeper.sh v1, v1beta1, v1alpha1) into the framework's
// versionless form, applying the scheme's defaults.
func ParseTemplate(obj *unstructured.Unstructured) (*templates.ConstraintTemplate, error) {
	gvk := obj.GroupVersionKind()
	if gvk.Group != "templates.gatekeeper.sh" || gvk.Kind != "ConstraintTemplate" {
		return nil, fmt.Errorf("%w: got %s", ErrNotTemplate, describeGVK(obj))
	}
	typed, err := scheme.New(gvk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	// Through JSON, as gator does: the schema types have custom decoders.
	data, err := obj.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	if err := json.Unmarshal(data, typed); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	v, ok := typed.(interface {
		ToVersionless() (*templates.ConstraintTemplate, error)
	})
	if !ok {
		return nil, fmt.Errorf("%w: no conversion for %s", ErrTemplate, gvk)
	}
	ct, err := v.ToVersionless()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	return ct, nil
}

// AddTemplate compiles a ConstraintTemplate. The error is the framework's.
func (e *Engine) AddTemplate(ctx context.Context, obj *unstructured.Unstructured) error {
	ct, err := ParseTemplate(obj)
	if err != nil {
		return err
	}
	return e.AddParsedTemplate(ctx, ct)
}

// AddParsedTemplate compiles a template already converted by ParseTemplate.
func (e *Engine) AddParsedTemplate(ctx context.Context, ct *templates.ConstraintTemplate) error {
	if _, err := e.client.AddTemplate(ctx, ct); err != nil {
		return &rejected{kind: ErrTemplate, what: fmt.Sprintf("template %q", ct.GetName()), err: err}
	}
	return nil
}

// AddConstraint adds a constraint; the framework validates it against its
// template's schema (errors.Is(err, ErrSchema) when the parameters are wrong).
func (e *Engine) AddConstraint(ctx context.Context, obj *unstructured.Unstructured) error {
	if obj.GroupVersionKind().Group != "constraints.gatekeeper.sh" {
		return fmt.Errorf("%w: %s is not in group constraints.gatekeeper.sh", ErrConstraint, describeGVK(obj))
	}
	if _, err := e.client.AddConstraint(ctx, obj); err != nil {
		return &rejected{kind: ErrConstraint, what: fmt.Sprintf("constraint %s %q", obj.GetKind(), obj.GetName()), err: err}
	}
	return nil
}

// RemoveConstraint removes a constraint added before.
func (e *Engine) RemoveConstraint(ctx context.Context, obj *unstructured.Unstructured) error {
	if _, err := e.client.RemoveConstraint(ctx, obj); err != nil {
		return fmt.Errorf("remove constraint %s %q: %w", obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

// AddData adds an object to the inventory (data.inventory; Namespaces also
// feed namespaceSelector matching).
func (e *Engine) AddData(ctx context.Context, obj *unstructured.Unstructured) error {
	if _, err := e.client.AddData(ctx, obj); err != nil {
		return fmt.Errorf("add inventory %s %s/%s: %w", obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// RemoveData removes an inventory object added before.
func (e *Engine) RemoveData(ctx context.Context, obj *unstructured.Unstructured) error {
	if _, err := e.client.RemoveData(ctx, obj); err != nil {
		return fmt.Errorf("remove inventory %s %s/%s: %w", obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// SetExpansion replaces the ExpansionTemplates (expansion.gatekeeper.sh
// v1alpha1; mutators in the same list are applied as gator does) used to
// generate resources from reviewed objects. An empty list turns expansion off.
func (e *Engine) SetExpansion(objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		if gvk.Group != "expansion.gatekeeper.sh" || gvk.Kind != "ExpansionTemplate" {
			return fmt.Errorf("%w: %s is not an ExpansionTemplate", ErrExpansion, describeGVK(o))
		}
	}
	return e.rebuildExpander(objs, e.namespaces)
}

// SetNamespaces gives the engine the Namespace objects of the reviewed
// resource set and switches reviews to gator test's namespace semantics:
// each object is reviewed with its Namespace (so namespaceSelector matches
// its labels), a missing "default" Namespace is assumed to exist unlabelled,
// and any other missing Namespace makes a namespaceSelector match fail as
// Gatekeeper reports it (an autoreject result).
func (e *Engine) SetNamespaces(objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		if gvk := o.GroupVersionKind(); gvk.Kind != "Namespace" || gvk.Group != "" {
			return fmt.Errorf("%s is not a Namespace", describeGVK(o))
		}
	}
	e.namespaced = true
	return e.rebuildExpander(e.expansions, objs)
}

func (e *Engine) rebuildExpander(expansions, namespaces []*unstructured.Unstructured) error {
	if len(expansions) == 0 && !e.namespaced {
		e.expander, e.expansions, e.namespaces = nil, nil, namespaces
		return nil
	}
	ex, err := expand.NewExpander(append(append([]*unstructured.Unstructured{}, expansions...), namespaces...))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrExpansion, err)
	}
	e.expander, e.expansions, e.namespaces = ex, expansions, namespaces
	return nil
}

// IsAdmissionReview reports whether obj is an admission.k8s.io AdmissionReview,
// which Review evaluates as the admission request it carries.
func IsAdmissionReview(obj *unstructured.Unstructured) bool {
	gvk := obj.GroupVersionKind()
	return gvk.Kind == "AdmissionReview" && gvk.Group == admissionv1.SchemeGroupVersion.Group
}

// Review evaluates obj against every constraint. An AdmissionReview object is
// reviewed as its request (operation, userInfo, oldObject). Other objects are
// reviewed as gator does; resources generated from them by the expansion
// templates are reviewed too, their messages prefixed with
// "[Implied by <template>]".
func (e *Engine) Review(ctx context.Context, obj *unstructured.Unstructured) ([]Violation, error) {
	resp, err := e.review(ctx, obj)
	if err != nil {
		return nil, err
	}
	return violations(resp.Results()), nil
}

func (e *Engine) review(ctx context.Context, obj *unstructured.Unstructured) (*types.Responses, error) {
	if IsAdmissionReview(obj) {
		req, err := AdmissionRequest(obj)
		if err != nil {
			return nil, err
		}
		resp, err := e.client.Review(ctx, target.AugmentedReview{
			AdmissionRequest: req,
			Source:           mutationtypes.SourceTypeOriginal,
		}, reviews.EnforcementPoint(EnforcementPoint))
		if err != nil {
			return nil, fmt.Errorf("review AdmissionReview: %w", err)
		}
		return resp, nil
	}
	var ns *corev1.Namespace
	if e.namespaced {
		ns, _ = e.expander.NamespaceForResource(obj)
	}
	resp, err := e.client.Review(ctx, target.AugmentedUnstructured{
		Object:    *obj,
		Namespace: ns,
		Source:    mutationtypes.SourceTypeOriginal,
	}, reviews.EnforcementPoint(EnforcementPoint))
	if err != nil {
		return nil, fmt.Errorf("review %s %s/%s: %w", obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName(), err)
	}
	if e.expander == nil {
		return resp, nil
	}
	resultants, err := e.expander.Expand(obj)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrExpansion, obj.GetName(), err)
	}
	for _, r := range resultants {
		child, err := e.client.Review(ctx, target.AugmentedUnstructured{
			Object:    *r.Obj,
			Namespace: ns,
			Source:    mutationtypes.SourceTypeGenerated,
		}, reviews.EnforcementPoint(EnforcementPoint))
		if err != nil {
			return nil, fmt.Errorf("review generated %s %s/%s: %w", r.Obj.GroupVersionKind(), r.Obj.GetNamespace(), r.Obj.GetName(), err)
		}
		expansion.OverrideEnforcementAction(r.EnforcementAction, child)
		expansion.AggregateResponses(r.TemplateName, resp, child)
	}
	return resp, nil
}

// AdmissionRequest decodes an AdmissionReview object strictly (unknown fields
// are errors) and checks it as the API server would: a request carrying an
// object or an oldObject.
func AdmissionRequest(obj *unstructured.Unstructured) (*admissionv1.AdmissionRequest, error) {
	var ar admissionv1.AdmissionReview
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj.UnstructuredContent(), &ar, true); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAdmissionReview, err)
	}
	if ar.Request == nil {
		return nil, fmt.Errorf("%w: no request", ErrAdmissionReview)
	}
	if ar.Request.Object.Raw == nil && ar.Request.OldObject.Raw == nil {
		return nil, fmt.Errorf("%w: request has neither object nor oldObject", ErrAdmissionReview)
	}
	for _, raw := range [][]byte{ar.Request.Object.Raw, ar.Request.OldObject.Raw} {
		if raw == nil {
			continue
		}
		// The target decodes these as Kubernetes objects, which needs a kind.
		if err := (&unstructured.Unstructured{}).UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrAdmissionReview, err)
		}
	}
	return ar.Request, nil
}

func violations(results []*types.Result) []Violation {
	out := make([]Violation, 0, len(results))
	for _, r := range results {
		v := Violation{
			EnforcementAction:        pointAction(r),
			ScopedEnforcementActions: r.ScopedEnforcementActions,
			Msg:                      r.Msg,
		}
		if r.Constraint != nil {
			v.Constraint = r.Constraint.GetName()
			v.Kind = r.Constraint.GetKind()
		}
		if d, ok := r.Metadata["details"]; ok {
			v.Details = d
		}
		out = append(out, v)
	}
	return out
}

func describeGVK(obj *unstructured.Unstructured) string {
	if obj.GetAPIVersion() == "" && obj.GetKind() == "" {
		return "an object without apiVersion/kind"
	}
	return obj.GetAPIVersion() + " " + obj.GetKind()
}

// pointAction is a result's action at the reviewed enforcement point: the
// constraint's action, or for a scoped one the strictest action scoped to
// the point (Gatekeeper blocks on any deny among them).
func pointAction(r *types.Result) string {
	if r.EnforcementAction != "scoped" {
		return r.EnforcementAction
	}
	best, rank := "scoped", 0
	for _, a := range r.ScopedEnforcementActions {
		if i := rendered.ActionRank(a); i > rank {
			best, rank = a, i
		}
	}
	return best
}
