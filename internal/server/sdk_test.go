package server_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdktime"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"
)

func sdkClient(url string) *vpc.VpcClient {
	cred := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(project).Build()
	return vpc.NewVpcClient(vpc.VpcClientBuilder().WithEndpoints([]string{url}).WithCredential(cred).Build())
}

func ptr[T any](v T) *T { return &v }

// A few calls through Huawei's official Go SDK, which signs requests itself,
// sends its own JSON quirks and decodes responses strictly. The full
// end-to-end suite runs at the command level.
func TestSDK(t *testing.T) {
	s := newServer(t, config{})
	c := sdkClient(s.URL)

	fr, err := c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "sdk-filter", Description: ptr("from the SDK")},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilter: %v", err)
	}
	if fr.HttpStatusCode != http.StatusCreated || fr.TrafficMirrorFilter.Name != "sdk-filter" || fr.TrafficMirrorFilter.CreatedAt == nil {
		t.Errorf("CreateTrafficMirrorFilter = %d %v", fr.HttpStatusCode, fr.TrafficMirrorFilter)
	}
	filterID := fr.TrafficMirrorFilter.Id

	rr, err := c.CreateTrafficMirrorFilterRule(&model.CreateTrafficMirrorFilterRuleRequest{Body: &model.CreateTrafficMirrorFilterRuleRequestBody{
		TrafficMirrorFilterRule: &model.CreateTrafficMirrorFilterRuleOption{
			TrafficMirrorFilterId: filterID, Direction: "ingress", Protocol: "ICMP", Ethertype: "ipv4",
			SourceCidrBlock: ptr("192.168.0.0/24 "), Action: "accept", Priority: 5,
		},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorFilterRule: %v", err)
	}
	if r := rr.TrafficMirrorFilterRule; r.Protocol != "ICMP" || r.Ethertype != "IPv4" || r.SourceCidrBlock != "192.168.0.0/24" {
		t.Errorf("created rule = %v", r)
	}

	sr, err := c.CreateTrafficMirrorSession(&model.CreateTrafficMirrorSessionRequest{Body: &model.CreateTrafficMirrorSessionRequestBody{
		TrafficMirrorSession: &model.CreateTrafficMirrorSessionOption{
			Name: "sdk-session", TrafficMirrorFilterId: filterID, TrafficMirrorSources: []string{src1},
			TrafficMirrorTargetId: target, TrafficMirrorTargetType: "eni", VirtualNetworkId: ptr("100"),
			PacketLength: ptr("128"), Priority: 3, Enabled: ptr("true"),
		},
	}})
	if err != nil {
		t.Fatalf("CreateTrafficMirrorSession: %v", err)
	}
	sess := *sr.TrafficMirrorSession
	if sess.VirtualNetworkId != 100 || sess.PacketLength != 128 || !sess.Enabled || sess.Type != "eni" {
		t.Errorf("created session = %v", sess)
	}

	ur, err := c.UpdateTrafficMirrorSession(&model.UpdateTrafficMirrorSessionRequest{TrafficMirrorSessionId: sess.Id,
		Body: &model.UpdateTrafficMirrorSessionRequestBody{TrafficMirrorSession: &model.UpdateTrafficMirrorSessionOption{
			Priority: ptr(int32(4)), Enabled: ptr("false"),
		}}})
	if err != nil {
		t.Fatalf("UpdateTrafficMirrorSession: %v", err)
	}
	if ur.TrafficMirrorSession.Priority != 4 || ur.TrafficMirrorSession.Enabled {
		t.Errorf("updated session = %v", ur.TrafficMirrorSession)
	}

	lr, err := c.ListTrafficMirrorSessions(&model.ListTrafficMirrorSessionsRequest{Priority: ptr("4"), Enabled: ptr("false"), Limit: ptr(int32(1)), Description: ptr("")})
	if err != nil {
		t.Fatalf("ListTrafficMirrorSessions: %v", err)
	}
	if len(*lr.TrafficMirrorSessions) != 1 || (*lr.TrafficMirrorSessions)[0].Id != sess.Id || lr.PageInfo.NextMarker != nil {
		t.Errorf("listed %v, page %v", lr.TrafficMirrorSessions, lr.PageInfo)
	}

	shown, err := c.ShowTrafficMirrorFilter(&model.ShowTrafficMirrorFilterRequest{TrafficMirrorFilterId: filterID})
	if err != nil {
		t.Fatalf("ShowTrafficMirrorFilter: %v", err)
	}
	sameTime := cmp.Comparer(func(a, b sdktime.SdkTime) bool { return time.Time(a).Equal(time.Time(b)) })
	if diff := cmp.Diff([]model.TrafficMirrorFilterRule{*rr.TrafficMirrorFilterRule}, shown.TrafficMirrorFilter.IngressRules, sameTime); diff != "" {
		t.Errorf("ingress rules mismatch (-want +got):\n%s", diff)
	}

	dr, err := c.DeleteTrafficMirrorSession(&model.DeleteTrafficMirrorSessionRequest{TrafficMirrorSessionId: sess.Id})
	if err != nil || dr.HttpStatusCode != http.StatusNoContent {
		t.Fatalf("DeleteTrafficMirrorSession = %v, %v", dr, err)
	}

	_, err = c.ShowTrafficMirrorSession(&model.ShowTrafficMirrorSessionRequest{TrafficMirrorSessionId: sess.Id})
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("ShowTrafficMirrorSession of a deleted session: %v, want a ServiceResponseError", err)
	}
	if se.StatusCode != http.StatusNotFound || se.ErrorCode != "VPC.9201" || !uuidV4RE.MatchString(se.RequestId) ||
		se.ErrorMessage != "Traffic mirror session "+sess.Id+" not found." {
		t.Errorf("error = %+v", se)
	}

	// The SDK's unset required fields: "" name.
	_, err = c.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{Body: &model.CreateTrafficMirrorFilterRequestBody{
		TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{},
	}})
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || se.ErrorCode != "VPC.9102" {
		t.Errorf("CreateTrafficMirrorFilter without a name: %v, want 400 VPC.9102", err)
	}
}
