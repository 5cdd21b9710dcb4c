//! The kube writer's reading of the API server's refusals, against a mock API (tower-test, as
//! kube-rs tests its client): a `403 Forbidden`, a `409 Conflict` and a `422 Invalid` answer
//! to the dry run of a label edit become `WriteError::Forbidden`, `Conflict` (with what
//! changed, read back) and `Rejected`, and nothing past the refused request is sent. The
//! answers are `Status` objects as kube-apiserver writes them
//! (<https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-errors>); the
//! end-to-end tests (`tests/e2e`) get the same answers from a real API server, slower.

use gpufleet::fleet::{Fleet, HostId};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::impact::{Change, HostTargets, LabelEdit};
use gpufleet::kube::writer::KubeWriter;
use gpufleet::kube::{ClusterClient, Clusters};
use gpufleet::model::BareMetalHost;
use gpufleet::write::{WriteError, WriteMode, Writer};
use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tower_test::mock::{self, Handle};

type ApiServer = Handle<Request<Body>, Response<Body>>;

/// A generated fleet as a cluster lists it: every host carries a resourceVersion.
fn listed_fleet() -> Fleet {
    let mut objects = generate(&GenerateConfig::new(20, 1)).objects;
    for (i, host) in objects.hosts.values_mut().enumerate() {
        Arc::make_mut(host).metadata.resource_version = Some((1000 + i).to_string());
    }
    Fleet::build(objects)
}

/// A writer whose clusters are one mock API server.
fn writer() -> (KubeWriter, ApiServer) {
    let (service, handle) = mock::pair::<Request<Body>, Response<Body>>();
    let client = ClusterClient {
        client: kube::Client::new(service, "default"),
        context: "mock".into(),
        user: "alice".into(),
        read_only: false,
        request_timeout: Some(Duration::from_secs(10)),
    };
    let clusters = Clusters::of(client.clone(), client);
    (
        KubeWriter::new(clusters).expect("a writable client"),
        handle,
    )
}

/// A `Status` answer, as kube-apiserver writes one.
fn status(code: StatusCode, reason: &str, message: &str) -> Response<Body> {
    let body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code.as_u16(),
    });
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

fn object(value: &impl serde::Serialize) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(value).unwrap()))
        .unwrap()
}

/// The first host of the fleet and a label edit of it.
fn label_edit(fleet: &Fleet) -> (HostId, Change) {
    let h = fleet.host_ids().next().expect("a host");
    let edit = LabelEdit::parse_args(
        HostTargets::Names(vec![fleet.host(h).name.clone()]),
        &["pool=burst"],
    )
    .unwrap();
    (h, Change::Label(edit))
}

/// Checks the dry run's request: a merge patch of the host's labels, server-side dry run,
/// the preview's resourceVersion as precondition.
async fn dry_run_patch(
    api: &mut ApiServer,
    fleet: &Fleet,
    h: HostId,
) -> mock::SendResponse<Response<Body>> {
    let (request, send) = api
        .next_request()
        .await
        .expect("the writer sends a request");
    let host = fleet.host(h);
    assert_eq!(request.method(), Method::PATCH);
    assert_eq!(
        request.uri().path(),
        format!(
            "/apis/metal3.io/v1alpha1/namespaces/{}/baremetalhosts/{}",
            host.namespace, host.name
        )
    );
    assert!(
        request.uri().query().unwrap_or("").contains("dryRun=All"),
        "{}",
        request.uri()
    );
    assert_eq!(
        request.headers()["content-type"],
        "application/merge-patch+json"
    );
    let body = request.into_body().collect_bytes().await.unwrap();
    let patch: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(patch["metadata"]["labels"]["pool"], "burst");
    assert_eq!(
        patch["metadata"]["resourceVersion"].as_str(),
        host.resource_version()
    );
    send
}

#[tokio::test]
async fn a_403_is_forbidden_with_the_servers_reason() {
    let fleet = listed_fleet();
    let (h, change) = label_edit(&fleet);
    let (writer, mut api) = writer();
    let host = fleet.host(h).clone();
    let server = async {
        let send = dry_run_patch(&mut api, &fleet, h).await;
        send.send_response(status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "baremetalhosts.metal3.io \"{}\" is forbidden: User \"alice\" cannot patch resource \"baremetalhosts\" in API group \"metal3.io\" in the namespace \"{}\"",
                host.name, host.namespace
            ),
        ));
    };
    let (result, ()) = tokio::join!(writer.write(&fleet, &change, WriteMode::DryRun), server);
    match result {
        Err(WriteError::Forbidden {
            verb,
            resource,
            message,
        }) => {
            assert_eq!(verb, "patch");
            assert_eq!(resource, "baremetalhosts");
            assert!(message.contains("cannot patch resource"), "{message}");
        }
        other => panic!("a 403 is Forbidden, got {other:?}"),
    }
    drop(writer);
    assert!(
        api.next_request().await.is_none(),
        "nothing is sent after a refusal"
    );
}

#[tokio::test]
async fn a_409_is_a_conflict_that_says_what_changed() {
    let fleet = listed_fleet();
    let (h, change) = label_edit(&fleet);
    let (writer, mut api) = writer();
    let host = fleet.host(h).clone();
    let server = async {
        let send = dry_run_patch(&mut api, &fleet, h).await;
        send.send_response(status(
            StatusCode::CONFLICT,
            "Conflict",
            &format!(
                "Operation cannot be fulfilled on baremetalhosts.metal3.io \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                host.name
            ),
        ));
        // The writer reads the host back to say what changed: someone set an owner.
        let (request, send) = api.next_request().await.expect("the host is read back");
        assert_eq!(request.method(), Method::GET);
        assert_eq!(
            request.uri().path(),
            format!(
                "/apis/metal3.io/v1alpha1/namespaces/{}/baremetalhosts/{}",
                host.namespace, host.name
            )
        );
        assert!(!host.labels().contains_key("owner"));
        let mut now: BareMetalHost = (*host.object).clone();
        now.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("owner".into(), "someone-else".into());
        now.metadata.resource_version = Some("99999".into());
        send.send_response(object(&now));
    };
    let (result, ()) = tokio::join!(writer.write(&fleet, &change, WriteMode::DryRun), server);
    match result {
        Err(WriteError::Conflict {
            kind,
            name,
            what_changed,
        }) => {
            assert_eq!(kind, "BareMetalHost");
            // Named with its cluster: the same name may exist in another site.
            assert_eq!(name, host.key().to_string());
            assert!(
                what_changed.contains("owner=someone-else added"),
                "{what_changed}"
            );
        }
        other => panic!("a 409 is a Conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn a_422_is_rejected_with_the_servers_message() {
    let fleet = listed_fleet();
    let (h, change) = label_edit(&fleet);
    let (writer, mut api) = writer();
    let host = fleet.host(h).clone();
    let message = format!(
        "BareMetalHost.metal3.io \"{}\" is invalid: metadata.labels: Invalid value: \"burst\": denied by the admission webhook",
        host.name
    );
    let server = async {
        let send = dry_run_patch(&mut api, &fleet, h).await;
        send.send_response(status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            &message,
        ));
    };
    let (result, ()) = tokio::join!(writer.write(&fleet, &change, WriteMode::DryRun), server);
    match result {
        Err(WriteError::Rejected { message: got }) => assert_eq!(got, message),
        other => panic!("a 422 is Rejected, got {other:?}"),
    }
    drop(writer);
    assert!(
        api.next_request().await.is_none(),
        "a refused dry run commits nothing"
    );
}

#[tokio::test]
async fn a_commit_refused_at_its_dry_run_never_sends_the_write() {
    let fleet = listed_fleet();
    let (h, change) = label_edit(&fleet);
    let (writer, mut api) = writer();
    let server = async {
        let send = dry_run_patch(&mut api, &fleet, h).await;
        send.send_response(status(StatusCode::FORBIDDEN, "Forbidden", "forbidden"));
    };
    let (result, ()) = tokio::join!(writer.write(&fleet, &change, WriteMode::Commit), server);
    assert!(
        matches!(result, Err(WriteError::Forbidden { .. })),
        "{result:?}"
    );
    drop(writer);
    assert!(
        api.next_request().await.is_none(),
        "the commit pass never starts"
    );
}
