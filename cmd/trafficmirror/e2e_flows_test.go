package main

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

// testTerraformFlows replays, through the SDK, the flows of the Terraform
// provider that the spec requires (filter-rules.md §5, sessions.md §8).
func testTerraformFlows(t *testing.T, start startFunc) {
	e := newE2EEnv(t, start)
	c := e.clientA
	f := mustCreateFilter(t, c, "terraform", nil)

	t.Run("RuleUDPToICMPv6ResetsPorts", func(t *testing.T) {
		r := mustCreateRule(t, c, model.CreateTrafficMirrorFilterRuleOption{
			Description: ptrTo("udp rule"), TrafficMirrorFilterId: f.Id, Direction: "ingress", Protocol: "udp", Ethertype: "IPv4",
			SourceCidrBlock: ptrTo("10.0.0.0/24"), SourcePortRange: ptrTo("80-81"), DestinationPortRange: ptrTo("80-81"),
			Action: "accept", Priority: 1,
		})
		// The provider's update does not mention the port ranges.
		waitTick()
		upd, err := c.UpdateTrafficMirrorFilterRule(&model.UpdateTrafficMirrorFilterRuleRequest{TrafficMirrorFilterRuleId: r.Id,
			Body: &model.UpdateTrafficMirrorFilterRuleRequestBody{TrafficMirrorFilterRule: &model.UpdateTrafficMirrorFilterRuleOption{
				Protocol:             ptrTo("icmpv6"),
				Ethertype:            ptrTo("IPv6"),
				SourceCidrBlock:      ptrTo("2002:50::44/128"),
				DestinationCidrBlock: ptrTo("::/0"),
				Priority:             ptrTo(int32(2)),
				Action:               ptrTo("reject"),
				Description:          ptrTo(""),
			}}})
		if err != nil {
			t.Fatalf("UpdateTrafficMirrorFilterRule udp → icmpv6: %v", err)
		}
		if upd.HttpStatusCode != http.StatusOK {
			t.Errorf("UpdateTrafficMirrorFilterRule: status %d, want 200", upd.HttpStatusCode)
		}
		want := r
		want.Protocol, want.Ethertype, want.SourceCidrBlock, want.DestinationCidrBlock = "icmpv6", "IPv6", "2002:50::44/128", "::/0"
		want.Priority, want.Action, want.Description = 2, "reject", ""
		want.SourcePortRange, want.DestinationPortRange = "", ""
		wantRuleUpdated(t, "UpdateTrafficMirrorFilterRule udp → icmpv6", want, *upd.TrafficMirrorFilterRule)
	})

	t.Run("ReplaceAllSources", func(t *testing.T) {
		old1, old2, new1, new2 := freshID(), freshID(), freshID(), freshID()
		opt := sessionOption(f.Id, 1)
		opt.TrafficMirrorSources = []string{old1, old2}
		s := mustCreateSession(t, c, opt)

		rm, err := c.RemoveSourcesFromTrafficMirrorSession(&model.RemoveSourcesFromTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id,
			Body: &model.RemoveSourcesFromTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{
				TrafficMirrorSources: []string{old2, old1}}}})
		if err != nil {
			t.Fatalf("RemoveSourcesFromTrafficMirrorSession of all sources: %v", err)
		}
		// [] rather than null: the SDK decodes an empty slice.
		if got := rm.TrafficMirrorSession.TrafficMirrorSources; got == nil || len(got) != 0 {
			t.Errorf("sources after removing all = %#v, want []", got)
		}
		shown, err := c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id})
		if err != nil {
			t.Fatal(err)
		}
		if got := shown.TrafficMirrorSession.TrafficMirrorSources; got == nil || len(got) != 0 {
			t.Errorf("shown sources of a session without sources = %#v, want []", got)
		}

		add, err := c.AddSourcesToTrafficMirrorSession(&model.AddSourcesToTrafficMirrorSessionRequest{TrafficMirrorSessionId: s.Id,
			Body: &model.AddSourcesToTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.TrafficMirrorSourcesOption{
				TrafficMirrorSources: []string{new2, new1}}}})
		if err != nil {
			t.Fatalf("AddSourcesToTrafficMirrorSession after removing all: %v", err)
		}
		if got, want := add.TrafficMirrorSession.TrafficMirrorSources, []string{new2, new1}; !cmp.Equal(got, want) {
			t.Errorf("sources after adding = %v, want %v", got, want)
		}
		// The removed sources are free: one can be a target now.
		opt = sessionOption(f.Id, 1)
		opt.TrafficMirrorTargetId = old1
		mustCreateSession(t, c, opt)
	})
}
