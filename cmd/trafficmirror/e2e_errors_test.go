package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// apiErrorCase is one request that must fail with status and code.
type apiErrorCase struct {
	op     string
	what   string
	status int
	code   string
	call   func(t *testing.T) error
}

// SDK calls with a body, for the error tables.

func sdkCreateSession(c *vpc.VpcClient, opt model.CreateTrafficMirrorSessionOption) error {
	_, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &opt}})
	return err
}

func sdkUpdateSession(c *vpc.VpcClient, id string, opt *model.UpdateTrafficMirrorSessionOption) error {
	_, err := c.UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{TrafficMirrorSessionId: id,
		Body: &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: opt}})
	return err
}

func sdkAddSources(c *vpc.VpcClient, id string, sources []string) error {
	_, err := c.AddSourcesToTrafficMirrorSession(&model.AddSourcesToTrafficMirrorSessionRequest{TrafficMirrorSessionId: id,
		Body: &model.AddSourcesToTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{TrafficMirrorSources: sources}}})
	return err
}

func sdkRemoveSources(c *vpc.VpcClient, id string, sources []string) error {
	_, err := c.RemoveSourcesFromTrafficMirrorSession(&model.RemoveSourcesFromTrafficMirrorSessionRequest{TrafficMirrorSessionId: id,
		Body: &model.RemoveSourcesFromTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{TrafficMirrorSources: sources}}})
	return err
}

func sdkCreateFilter(c *vpc.VpcClient, opt model.CreateTrafficMirrorFilterOption) error {
	_, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: &opt}})
	return err
}

func sdkUpdateFilter(c *vpc.VpcClient, id string, opt *model.UpdateTrafficMirrorFilterOption) error {
	_, err := c.UpdateTrafficMirrorFilter(&model.UpdateTrafficMirrorFilterRequest{TrafficMirrorFilterId: id,
		Body: &model.UpdateTrafficMirrorFilterRequestBody{TrafficMirrorFilter: opt}})
	return err
}

func sdkCreateRule(c *vpc.VpcClient, opt model.CreateTrafficMirrorFilterRuleOption) error {
	_, err := c.CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{Body: &model.CreateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &opt}})
	return err
}

func sdkUpdateRule(c *vpc.VpcClient, id string, opt *model.UpdateTrafficMirrorFilterRuleOption) error {
	_, err := c.UpdateTrafficMirrorFilterRule(&model.UpdateTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: id,
		Body: &model.UpdateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: opt}})
	return err
}

// runErrorCases runs the cases as subtests named op/code.
func runErrorCases(t *testing.T, cases []apiErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.code, func(t *testing.T) {
			wantSDKError(t, tc.op+" "+tc.what, tc.call(t), tc.status, tc.code)
		})
	}
}

// testValidationErrors provokes each error code of the operation × error
// matrix (../shared/spec/errors.md §6) except the quotas, through the SDK
// where it can express the request, else through a request the SDK signs;
// then checks that none of them changed anything.
func testValidationErrors(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	c := e.clientA
	raw := func(method, path string, body any) func(*testing.T) error {
		return func(t *testing.T) error {
			return e.do(t, e.a, e.projectA, sdkCall{method: method, path: path, body: body}).err()
		}
	}

	f := mustCreateFilter(t, c, "errors", nil)
	unused := mustCreateFilter(t, c, "unused", nil)
	r1 := mustCreateRule(t, c, ruleOption(f.Id, "ingress", 1))
	r2 := mustCreateRule(t, c, ruleOption(f.Id, "ingress", 2))
	src1, src2, src3, src4 := freshID(), freshID(), freshID(), freshID()
	tgt1, tgt2 := freshID(), freshID()
	// sess and other share src2; third shares nothing but has sess's
	// priority.
	sess := mustCreateSession(t, c, model.CreateTrafficMirrorSessionOption{Name: "sess", TrafficMirrorFilterId: f.Id,
		TrafficMirrorSources: []string{src1, src2}, TrafficMirrorTargetId: tgt1, TrafficMirrorTargetType: "eni", Priority: 5})
	other := mustCreateSession(t, c, model.CreateTrafficMirrorSessionOption{Name: "other", TrafficMirrorFilterId: f.Id,
		TrafficMirrorSources: []string{src2, src3}, TrafficMirrorTargetId: tgt2, TrafficMirrorTargetType: "eni", Priority: 6})
	third := mustCreateSession(t, c, model.CreateTrafficMirrorSessionOption{Name: "third", TrafficMirrorFilterId: f.Id,
		TrafficMirrorSources: []string{src4}, TrafficMirrorTargetId: freshID(), TrafficMirrorTargetType: "elb", Priority: 5})

	valid := func() model.CreateTrafficMirrorSessionOption { return sessionOption(f.Id, 100) }
	withSession := func(change func(*model.CreateTrafficMirrorSessionOption)) model.CreateTrafficMirrorSessionOption {
		opt := valid()
		change(&opt)
		return opt
	}
	withRule := func(change func(*model.CreateTrafficMirrorFilterRuleOption)) model.CreateTrafficMirrorFilterRuleOption {
		opt := ruleOption(f.Id, "egress", 50)
		change(&opt)
		return opt
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = freshID()
	}
	dup := freshID()
	sessPath := apiSessionsPath + "/" + sess.Id
	const (
		bad = http.StatusBadRequest
		nf  = http.StatusNotFound
		cf  = http.StatusConflict
	)

	cases := []apiErrorCase{
		// CreateTrafficMirrorSession
		{"CreateTrafficMirrorSession", "with a body that is not JSON", bad, "VPC.9101", raw("POST", apiSessionsPath, "not json")},
		{"CreateTrafficMirrorSession", "with a JSON array body", bad, "VPC.9101", raw("POST", apiSessionsPath, "[]")},
		{"CreateTrafficMirrorSession", "with the SDK's unset name", bad, "VPC.9102", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.Name = "" }))
		}},
		{"CreateTrafficMirrorSession", "with the SDK's unset sources (null)", bad, "VPC.9102", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.TrafficMirrorSources = nil }))
		}},
		{"CreateTrafficMirrorSession", "without the root key", bad, "VPC.9102", raw("POST", apiSessionsPath, map[string]any{})},
		{"CreateTrafficMirrorSession", "with the SDK's unset priority 0", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.Priority = 0 }))
		}},
		{"CreateTrafficMirrorSession", "with virtual_network_id \"abc\"", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.VirtualNetworkId = ptrTo("abc") }))
		}},
		{"CreateTrafficMirrorSession", "with packet_length \"1461\"", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.PacketLength = ptrTo("1461") }))
		}},
		{"CreateTrafficMirrorSession", "with enabled \"yes\"", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.Enabled = ptrTo("yes") }))
		}},
		{"CreateTrafficMirrorSession", "with 11 sources", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.TrafficMirrorSources = eleven }))
		}},
		{"CreateTrafficMirrorSession", "with a duplicate source", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) {
				o.TrafficMirrorSources = []string{dup, strings.ToUpper(dup)}
			}))
		}},
		{"CreateTrafficMirrorSession", "with target type vm", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.TrafficMirrorTargetType = "vm" }))
		}},
		{"CreateTrafficMirrorSession", "with a name with a space", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.Name = "a b" }))
		}},
		{"CreateTrafficMirrorSession", "with the target among the sources", bad, "VPC.9105", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) {
				o.TrafficMirrorTargetId = o.TrafficMirrorSources[0]
			}))
		}},
		{"CreateTrafficMirrorSession", "with an unknown filter", nf, "VPC.9202", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.TrafficMirrorFilterId = freshID() }))
		}},
		{"CreateTrafficMirrorSession", "sharing a source and the priority of a session", cf, "VPC.9303", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) {
				o.TrafficMirrorSources, o.Priority = []string{src1}, 5
			}))
		}},
		{"CreateTrafficMirrorSession", "with a source that is a target", cf, "VPC.9305", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.TrafficMirrorSources = []string{tgt1} }))
		}},
		{"CreateTrafficMirrorSession", "with a target that is a source", cf, "VPC.9305", func(*testing.T) error {
			return sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.TrafficMirrorTargetId = src3 }))
		}},

		// ListTrafficMirrorSessions
		{"ListTrafficMirrorSessions", "limit 2001", bad, "VPC.9104", func(*testing.T) error {
			_, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Limit: ptrTo(int32(2001))})
			return err
		}},
		{"ListTrafficMirrorSessions", "enabled maybe", bad, "VPC.9104", func(*testing.T) error {
			_, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Enabled: ptrTo("maybe")})
			return err
		}},
		{"ListTrafficMirrorSessions", "virtual_network_id x", bad, "VPC.9104", func(*testing.T) error {
			_, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{VirtualNetworkId: ptrTo("x")})
			return err
		}},

		// ShowTrafficMirrorSession
		{"ShowTrafficMirrorSession", "of an unknown session", nf, "VPC.9201", func(*testing.T) error {
			_, err := c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: freshID()})
			return err
		}},

		// UpdateTrafficMirrorSession
		{"UpdateTrafficMirrorSession", "with a body that is not JSON", bad, "VPC.9101", raw("PUT", sessPath, "{")},
		{"UpdateTrafficMirrorSession", "with a null root (the SDK's nil option)", bad, "VPC.9102", func(*testing.T) error {
			return sdkUpdateSession(c, sess.Id, nil)
		}},
		{"UpdateTrafficMirrorSession", "with name \"\"", bad, "VPC.9103", func(*testing.T) error {
			return sdkUpdateSession(c, sess.Id, &model.UpdateTrafficMirrorSessionOption{Name: ptrTo("")})
		}},
		{"UpdateTrafficMirrorSession", "with virtual_network_id -1", bad, "VPC.9103", func(*testing.T) error {
			return sdkUpdateSession(c, sess.Id, &model.UpdateTrafficMirrorSessionOption{VirtualNetworkId: ptrTo(int32(-1))})
		}},
		{"UpdateTrafficMirrorSession", "with the description \"<b>\"", bad, "VPC.9103", func(*testing.T) error {
			return sdkUpdateSession(c, sess.Id, &model.UpdateTrafficMirrorSessionOption{Description: ptrTo("<b>")})
		}},
		{"UpdateTrafficMirrorSession", "with its own source as target", bad, "VPC.9105", func(*testing.T) error {
			return sdkUpdateSession(c, sess.Id, &model.UpdateTrafficMirrorSessionOption{TrafficMirrorTargetId: &src1})
		}},
		{"UpdateTrafficMirrorSession", "changing the type", bad, "VPC.9105", raw("PUT", sessPath,
			map[string]any{"traffic_mirror_session": map[string]any{"type": "eip"}})},
		{"UpdateTrafficMirrorSession", "changing the sources", bad, "VPC.9105", raw("PUT", sessPath,
			map[string]any{"traffic_mirror_session": map[string]any{"traffic_mirror_sources": []string{src2, src1}}})},
		{"UpdateTrafficMirrorSession", "of an unknown session", nf, "VPC.9201", func(*testing.T) error {
			return sdkUpdateSession(c, freshID(), &model.UpdateTrafficMirrorSessionOption{Name: ptrTo("x")})
		}},
		{"UpdateTrafficMirrorSession", "to an unknown filter", nf, "VPC.9202", func(*testing.T) error {
			return sdkUpdateSession(c, sess.Id, &model.UpdateTrafficMirrorSessionOption{TrafficMirrorFilterId: ptrTo(freshID())})
		}},
		{"UpdateTrafficMirrorSession", "to the priority of a session sharing a source", cf, "VPC.9303", func(*testing.T) error {
			return sdkUpdateSession(c, other.Id, &model.UpdateTrafficMirrorSessionOption{Priority: ptrTo(int32(5))})
		}},
		{"UpdateTrafficMirrorSession", "to a target that is another session's source", cf, "VPC.9305", func(*testing.T) error {
			return sdkUpdateSession(c, other.Id, &model.UpdateTrafficMirrorSessionOption{TrafficMirrorTargetId: &src1})
		}},

		// DeleteTrafficMirrorSession
		{"DeleteTrafficMirrorSession", "of an unknown session", nf, "VPC.9201", func(*testing.T) error {
			_, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: freshID()})
			return err
		}},

		// AddSourcesToTrafficMirrorSession
		{"AddSourcesToTrafficMirrorSession", "with a body that is not JSON", bad, "VPC.9101", raw("PUT", sessPath+"/add-sources", "nope")},
		{"AddSourcesToTrafficMirrorSession", "with the SDK's unset sources (null)", bad, "VPC.9102", func(*testing.T) error {
			return sdkAddSources(c, sess.Id, nil)
		}},
		{"AddSourcesToTrafficMirrorSession", "with an ID that is not a UUID", bad, "VPC.9103", func(*testing.T) error {
			return sdkAddSources(c, sess.Id, []string{"eni-1"})
		}},
		{"AddSourcesToTrafficMirrorSession", "with no ID", bad, "VPC.9103", func(*testing.T) error {
			return sdkAddSources(c, sess.Id, []string{})
		}},
		{"AddSourcesToTrafficMirrorSession", "with its own target", bad, "VPC.9105", func(*testing.T) error {
			return sdkAddSources(c, sess.Id, []string{tgt1})
		}},
		{"AddSourcesToTrafficMirrorSession", "to an unknown session", nf, "VPC.9201", func(*testing.T) error {
			return sdkAddSources(c, freshID(), []string{freshID()})
		}},
		{"AddSourcesToTrafficMirrorSession", "with a source of a session with the same priority", cf, "VPC.9303", func(*testing.T) error {
			return sdkAddSources(c, third.Id, []string{src1})
		}},
		{"AddSourcesToTrafficMirrorSession", "with one of its sources", cf, "VPC.9304", func(*testing.T) error {
			return sdkAddSources(c, sess.Id, []string{freshID(), strings.ToUpper(src1)})
		}},
		{"AddSourcesToTrafficMirrorSession", "with another session's target", cf, "VPC.9305", func(*testing.T) error {
			return sdkAddSources(c, sess.Id, []string{tgt2})
		}},

		// RemoveSourcesFromTrafficMirrorSession
		{"RemoveSourcesFromTrafficMirrorSession", "with a body that is not JSON", bad, "VPC.9101", raw("PUT", sessPath+"/remove-sources", "")},
		{"RemoveSourcesFromTrafficMirrorSession", "with the SDK's unset sources (null)", bad, "VPC.9102", func(*testing.T) error {
			return sdkRemoveSources(c, sess.Id, nil)
		}},
		{"RemoveSourcesFromTrafficMirrorSession", "with an ID that is not a UUID", bad, "VPC.9103", func(*testing.T) error {
			return sdkRemoveSources(c, sess.Id, []string{src1 + "0"})
		}},
		{"RemoveSourcesFromTrafficMirrorSession", "with a non-source", bad, "VPC.9106", func(*testing.T) error {
			return sdkRemoveSources(c, sess.Id, []string{src1, src3})
		}},
		{"RemoveSourcesFromTrafficMirrorSession", "from an unknown session", nf, "VPC.9201", func(*testing.T) error {
			return sdkRemoveSources(c, freshID(), []string{src1})
		}},

		// CreateTrafficMirrorFilter
		{"CreateTrafficMirrorFilter", "with a body that is not JSON", bad, "VPC.9101", raw("POST", apiFiltersPath, "null")},
		{"CreateTrafficMirrorFilter", "with the SDK's unset name", bad, "VPC.9102", func(*testing.T) error {
			return sdkCreateFilter(c, model.CreateTrafficMirrorFilterOption{})
		}},
		{"CreateTrafficMirrorFilter", "with a name of 65 characters", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateFilter(c, model.CreateTrafficMirrorFilterOption{Name: strings.Repeat("n", 65)})
		}},
		{"CreateTrafficMirrorFilter", "with a description of 256 characters", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateFilter(c, model.CreateTrafficMirrorFilterOption{Name: "f", Description: ptrTo(strings.Repeat("d", 256))})
		}},

		// ListTrafficMirrorFilters
		{"ListTrafficMirrorFilters", "limit 2001", bad, "VPC.9104", func(*testing.T) error {
			_, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{Limit: ptrTo(int32(2001))})
			return err
		}},

		// ShowTrafficMirrorFilter
		{"ShowTrafficMirrorFilter", "of an unknown filter", nf, "VPC.9202", func(*testing.T) error {
			_, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: freshID()})
			return err
		}},

		// UpdateTrafficMirrorFilter
		{"UpdateTrafficMirrorFilter", "with a body that is not JSON", bad, "VPC.9101", raw("PUT", apiFiltersPath+"/"+f.Id, "\"text\"")},
		{"UpdateTrafficMirrorFilter", "with a null root (the SDK's nil option)", bad, "VPC.9102", func(*testing.T) error {
			return sdkUpdateFilter(c, f.Id, nil)
		}},
		{"UpdateTrafficMirrorFilter", "with name \"\"", bad, "VPC.9103", func(*testing.T) error {
			return sdkUpdateFilter(c, f.Id, &model.UpdateTrafficMirrorFilterOption{Name: ptrTo("")})
		}},
		{"UpdateTrafficMirrorFilter", "changing the type", bad, "VPC.9105", raw("PUT", apiFiltersPath+"/"+f.Id,
			map[string]any{"traffic_mirror_filter": map[string]any{"type": "eip"}})},
		{"UpdateTrafficMirrorFilter", "of an unknown filter", nf, "VPC.9202", func(*testing.T) error {
			return sdkUpdateFilter(c, freshID(), &model.UpdateTrafficMirrorFilterOption{Name: ptrTo("x")})
		}},

		// DeleteTrafficMirrorFilter
		{"DeleteTrafficMirrorFilter", "of an unknown filter", nf, "VPC.9202", func(*testing.T) error {
			_, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: freshID()})
			return err
		}},
		{"DeleteTrafficMirrorFilter", "of a filter in use", cf, "VPC.9301", func(*testing.T) error {
			_, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
			return err
		}},

		// CreateTrafficMirrorFilterRule
		{"CreateTrafficMirrorFilterRule", "with a body that is not JSON", bad, "VPC.9101", raw("POST", apiRulesPath, "1")},
		{"CreateTrafficMirrorFilterRule", "with the SDK's unset direction", bad, "VPC.9102", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.Direction = "" }))
		}},
		{"CreateTrafficMirrorFilterRule", "with the SDK's unset filter", bad, "VPC.9102", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.TrafficMirrorFilterId = "" }))
		}},
		{"CreateTrafficMirrorFilterRule", "with protocol gre", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.Protocol = "gre" }))
		}},
		{"CreateTrafficMirrorFilterRule", "with the SDK's unset priority 0", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.Priority = 0 }))
		}},
		{"CreateTrafficMirrorFilterRule", "with port range 0-10", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.SourcePortRange = ptrTo("0-10") }))
		}},
		{"CreateTrafficMirrorFilterRule", "with CIDR 10.0.0.0/33", bad, "VPC.9103", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.DestinationCidrBlock = ptrTo("10.0.0.0/33") }))
		}},
		{"CreateTrafficMirrorFilterRule", "with icmp over IPv6", bad, "VPC.9105", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.Protocol, o.Ethertype = "icmp", "IPv6" }))
		}},
		{"CreateTrafficMirrorFilterRule", "with an IPv6 CIDR in an IPv4 rule", bad, "VPC.9105", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.SourceCidrBlock = ptrTo("2001:db8::/32") }))
		}},
		{"CreateTrafficMirrorFilterRule", "with ports for icmp", bad, "VPC.9105", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) {
				o.Protocol, o.DestinationPortRange = "icmp", ptrTo("80")
			}))
		}},
		{"CreateTrafficMirrorFilterRule", "in an unknown filter", nf, "VPC.9202", func(*testing.T) error {
			return sdkCreateRule(c, withRule(func(o *model.CreateTrafficMirrorFilterRuleOption) { o.TrafficMirrorFilterId = freshID() }))
		}},
		{"CreateTrafficMirrorFilterRule", "with a priority taken in the direction", cf, "VPC.9302", func(*testing.T) error {
			return sdkCreateRule(c, ruleOption(f.Id, "ingress", 1))
		}},

		// ListTrafficMirrorFilterRules
		{"ListTrafficMirrorFilterRules", "priority x", bad, "VPC.9104", func(*testing.T) error {
			_, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{Priority: ptrTo("x")})
			return err
		}},
		{"ListTrafficMirrorFilterRules", "limit 2001", bad, "VPC.9104", func(*testing.T) error {
			_, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{Limit: ptrTo(int32(2001))})
			return err
		}},

		// ShowTrafficMirrorFilterRule
		{"ShowTrafficMirrorFilterRule", "of an unknown rule", nf, "VPC.9203", func(*testing.T) error {
			_, err := c.ShowTrafficMirrorFilterRule(&model.ShowTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: freshID()})
			return err
		}},

		// UpdateTrafficMirrorFilterRule
		{"UpdateTrafficMirrorFilterRule", "with a body that is not JSON", bad, "VPC.9101", raw("PUT", apiRulesPath+"/"+r1.Id, "{]")},
		{"UpdateTrafficMirrorFilterRule", "with a null root (the SDK's nil option)", bad, "VPC.9102", func(*testing.T) error {
			return sdkUpdateRule(c, r1.Id, nil)
		}},
		{"UpdateTrafficMirrorFilterRule", "with protocol \"\"", bad, "VPC.9103", func(*testing.T) error {
			return sdkUpdateRule(c, r1.Id, &model.UpdateTrafficMirrorFilterRuleOption{Protocol: ptrTo("")})
		}},
		{"UpdateTrafficMirrorFilterRule", "with priority 65536", bad, "VPC.9103", func(*testing.T) error {
			return sdkUpdateRule(c, r1.Id, &model.UpdateTrafficMirrorFilterRuleOption{Priority: ptrTo(int32(65536))})
		}},
		{"UpdateTrafficMirrorFilterRule", "to icmpv6 in an IPv4 rule", bad, "VPC.9105", func(*testing.T) error {
			return sdkUpdateRule(c, r1.Id, &model.UpdateTrafficMirrorFilterRuleOption{Protocol: ptrTo("icmpv6")})
		}},
		{"UpdateTrafficMirrorFilterRule", "changing the direction", bad, "VPC.9105", raw("PUT", apiRulesPath+"/"+r1.Id,
			map[string]any{"traffic_mirror_filter_rule": map[string]any{"direction": "egress"}})},
		{"UpdateTrafficMirrorFilterRule", "moving it to another filter", bad, "VPC.9105", raw("PUT", apiRulesPath+"/"+r1.Id,
			map[string]any{"traffic_mirror_filter_rule": map[string]any{"traffic_mirror_filter_id": unused.Id}})},
		{"UpdateTrafficMirrorFilterRule", "of an unknown rule", nf, "VPC.9203", func(*testing.T) error {
			return sdkUpdateRule(c, freshID(), &model.UpdateTrafficMirrorFilterRuleOption{Description: ptrTo("x")})
		}},
		{"UpdateTrafficMirrorFilterRule", "to a priority taken in the direction", cf, "VPC.9302", func(*testing.T) error {
			return sdkUpdateRule(c, r2.Id, &model.UpdateTrafficMirrorFilterRuleOption{Priority: ptrTo(int32(1))})
		}},

		// DeleteTrafficMirrorFilterRule
		{"DeleteTrafficMirrorFilterRule", "of an unknown rule", nf, "VPC.9203", func(*testing.T) error {
			_, err := c.DeleteTrafficMirrorFilterRule(&model.DeleteTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: freshID()})
			return err
		}},
	}
	runErrorCases(t, cases)

	// The messages name what is wrong, as in errors.md §5.
	t.Run("Messages", func(t *testing.T) {
		wantSDKErrorMsg(t, "CreateTrafficMirrorSession without a name",
			sdkCreateSession(c, withSession(func(o *model.CreateTrafficMirrorSessionOption) { o.Name = "" })), bad, "VPC.9102",
			"Missing required parameter: traffic_mirror_session.name")
		wantSDKErrorMsg(t, "RemoveSourcesFromTrafficMirrorSession of a non-source",
			sdkRemoveSources(c, sess.Id, []string{src3}), bad, "VPC.9106",
			"Source "+src3+" is not associated with traffic mirror session "+sess.Id)
		_, err := c.DeleteTrafficMirrorFilter(&model.DeleteTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
		if se := wantSDKError(t, "DeleteTrafficMirrorFilter in use", err, cf, "VPC.9301"); se != nil {
			for _, id := range []string{f.Id, sess.Id, other.Id, third.Id} {
				if !strings.Contains(se.ErrorMessage, id) {
					t.Errorf("DeleteTrafficMirrorFilter in use: message %q does not name %s", se.ErrorMessage, id)
				}
			}
		}
	})

	// No failed request changed anything (constraints.md C2).
	t.Run("NothingChanged", func(t *testing.T) {
		for _, want := range []model.TrafficMirrorSession{sess, other, third} {
			resp, err := c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: want.Id})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, *resp.TrafficMirrorSession); diff != "" {
				t.Errorf("session %s changed by failed requests (-before +after):\n%s", want.Name, diff)
			}
		}
		for _, want := range []model.TrafficMirrorFilterRule{r1, r2} {
			resp, err := c.ShowTrafficMirrorFilterRule(&model.ShowTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: want.Id})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, *resp.TrafficMirrorFilterRule, sameSDKTime); diff != "" {
				t.Errorf("rule changed by failed requests (-before +after):\n%s", diff)
			}
		}
		resp, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: f.Id})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.TrafficMirrorFilter; got.Name != f.Name || !cmp.Equal(got.UpdatedAt, f.UpdatedAt, sameSDKTime) {
			t.Errorf("filter changed by failed requests: %v, was %v", got, f)
		}
		for _, l := range []struct {
			name string
			n    func() (int, error)
			want int
		}{
			{"sessions", func() (int, error) {
				r, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{})
				if err != nil {
					return 0, err
				}
				return len(*r.TrafficMirrorSessions), nil
			}, 3},
			{"filters", func() (int, error) {
				r, err := c.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
				if err != nil {
					return 0, err
				}
				return len(*r.TrafficMirrorFilters), nil
			}, 2},
			{"rules", func() (int, error) {
				r, err := c.ListTrafficMirrorFilterRules(&model.ListTrafficMirrorFilterRulesRequest{})
				if err != nil {
					return 0, err
				}
				return len(*r.TrafficMirrorFilterRules), nil
			}, 2},
		} {
			n, err := l.n()
			if err != nil || n != l.want {
				t.Errorf("%d %s after the failed requests (%v), want %d", n, l.name, err, l.want)
			}
		}
	})
}

// testQuotas provokes the quota errors on a server started with small
// limits.
func testQuotas(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start,
		"--max-sources-per-session", "2",
		"--max-sessions-per-source", "1",
		"--max-sessions-per-project", "2",
		"--max-filters-per-project", "2",
		"--max-rules-per-filter-direction", "1",
	)
	c := e.clientA
	f1 := mustCreateFilter(t, c, "quota-1", nil)
	mustCreateFilter(t, c, "quota-2", nil)
	mustCreateRule(t, c, ruleOption(f1.Id, "ingress", 1))
	mustCreateRule(t, c, ruleOption(f1.Id, "egress", 1))
	a, b := freshID(), freshID()
	s1 := mustCreateSession(t, c, model.CreateTrafficMirrorSessionOption{Name: "s1", TrafficMirrorFilterId: f1.Id,
		TrafficMirrorSources: []string{a, b}, TrafficMirrorTargetId: freshID(), TrafficMirrorTargetType: "eni", Priority: 1})
	s2 := mustCreateSession(t, c, sessionOption(f1.Id, 2))
	const cf = http.StatusConflict

	runErrorCases(t, []apiErrorCase{
		{"CreateTrafficMirrorFilter", "over the project's filter quota", cf, "VPC.9404", func(*testing.T) error {
			return sdkCreateFilter(c, model.CreateTrafficMirrorFilterOption{Name: "quota-3"})
		}},
		{"CreateTrafficMirrorFilterRule", "over the rules quota of the direction", cf, "VPC.9405", func(*testing.T) error {
			return sdkCreateRule(c, ruleOption(f1.Id, "ingress", 2))
		}},
		{"CreateTrafficMirrorSession", "over the project's session quota", cf, "VPC.9403", func(*testing.T) error {
			return sdkCreateSession(c, sessionOption(f1.Id, 3))
		}},
		{"AddSourcesToTrafficMirrorSession", "over the sources quota of the session", cf, "VPC.9401", func(*testing.T) error {
			return sdkAddSources(c, s1.Id, []string{freshID()})
		}},
		{"AddSourcesToTrafficMirrorSession", "with a source at its sessions quota", cf, "VPC.9402", func(*testing.T) error {
			return sdkAddSources(c, s2.Id, []string{a})
		}},
		{"CreateTrafficMirrorSession", "with too many sources in the request", http.StatusBadRequest, "VPC.9103", func(*testing.T) error {
			opt := sessionOption(f1.Id, 3)
			opt.TrafficMirrorSources = []string{freshID(), freshID(), freshID()}
			return sdkCreateSession(c, opt)
		}},
	})
	// With one session deleted the session quota has room again, but a
	// source is still in as many sessions as it may be.
	t.Run("CreateTrafficMirrorSession/VPC.9402", func(t *testing.T) {
		if _, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: s2.Id}); err != nil {
			t.Fatal(err)
		}
		opt := sessionOption(f1.Id, 3)
		opt.TrafficMirrorSources = []string{b}
		wantSDKError(t, "CreateTrafficMirrorSession with a source at its sessions quota", sdkCreateSession(c, opt), cf, "VPC.9402")
		mustCreateSession(t, c, sessionOption(f1.Id, 3))
	})
	// Quotas are per project.
	t.Run("OtherProject", func(t *testing.T) {
		mustCreateFilter(t, e.clientB, "quota-b-1", nil)
		mustCreateFilter(t, e.clientB, "quota-b-2", nil)
	})
}
