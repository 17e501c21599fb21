package tmtest_test

import (
	"fmt"
	"log"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	vpc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/vpc/v3/model"

	"github.com/trafficmirror/trafficmirror/tmtest"
)

// Create a traffic mirror filter with Huawei's official Go SDK and list it.
// In a test, tmtest.NewServer(t) starts the server and stops it when the
// test ends; an example has no t, so it uses Start and Close.
func Example() {
	srv, err := tmtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	cred := basic.NewCredentialsBuilder().
		WithAk(srv.AccessKey).WithSk(srv.SecretKey).WithProjectId(srv.ProjectID).Build()
	client := vpc.NewVpcClient(vpc.VpcClientBuilder().
		WithEndpoints([]string{srv.Endpoint}).WithCredential(cred).Build())

	created, err := client.CreateTrafficMirrorFilter(&model.CreateTrafficMirrorFilterRequest{
		Body: &model.CreateTrafficMirrorFilterRequestBody{
			TrafficMirrorFilter: &model.CreateTrafficMirrorFilterOption{Name: "web-traffic"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", created.TrafficMirrorFilter.Name, created.HttpStatusCode)

	list, err := client.ListTrafficMirrorFilters(&model.ListTrafficMirrorFiltersRequest{})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range *list.TrafficMirrorFilters {
		fmt.Println("listed:", f.Name, f.Id == created.TrafficMirrorFilter.Id)
	}
	// Output:
	// created: web-traffic 201
	// listed: web-traffic true
}

// In a test of your own code, one line gives a server that is stopped, and
// its data deleted, when the test ends.
func ExampleNewServer() {
	testMyCode := func(t *testing.T) {
		srv := tmtest.NewServer(t, tmtest.WithLimits(tmtest.Limits{FiltersPerProject: 5}))
		cred := basic.NewCredentialsBuilder().
			WithAk(srv.AccessKey).WithSk(srv.SecretKey).WithProjectId(srv.ProjectID).Build()
		client := vpc.NewVpcClient(vpc.VpcClientBuilder().
			WithEndpoints([]string{srv.Endpoint}).WithCredential(cred).Build())
		_ = client // ... the code under test calls the API with client ...
	}
	_ = testMyCode
}
