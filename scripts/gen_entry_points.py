#!/usr/bin/env python3
"""Writes functions/<endpoint>/ (one Lambda per route) and workers/<worker>/, each a tiny
main over roster-lambda, and infra/template.yaml with each function's policy.

What each function needs (authorizer, table use, token keys, queues) is not kept here: it
is read from the route table and the worker list in Rust (`roster_http::ROUTES`,
`roster_app::functions::WORKERS`), printed by `cargo run -p roster-http --example
entry_points`. Run this after changing either; tests check that what it wrote matches."""
import json
import os
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
FACTS = json.loads(
    subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "-p", "roster-http", "--example", "entry_points"],
        cwd=ROOT, check=True, capture_output=True, text=True, env=os.environ,
    ).stdout
)
ROUTES = FACTS["routes"]
WORKERS = FACTS["workers"]
QUEUES = {"email": "EmailQueue", "import": "ImportQueue", "expiry": "ExpiryQueue"}

HEADER = (ROOT / "infra" / "template-head.yaml").read_text()
FOOTER = (ROOT / "infra" / "template-tail.yaml").read_text()

# The pages' Content-Security-Policy, read from roster-local so that CloudFront sends exactly
# what roster-local does (a Rust string literal; `\` + newline + indentation is a continuation).
_CSP_LITERAL = re.search(r'const CONTENT_SECURITY_POLICY: &str = "((?:[^"\\]|\\.)*)";', (ROOT / "local/src/console.rs").read_text(), re.S)
CONTENT_SECURITY_POLICY = re.sub(r"\\\n\s*", "", _CSP_LITERAL.group(1))
assert "\\" not in CONTENT_SECURITY_POLICY and '"' not in CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY

# AWS-managed CloudFront policies, by their fixed IDs.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
# Paths CloudFront sends to the HTTP API (local/src/console.rs leaves the same ones to the API).
API_PATHS = ["/v1/*", "/.well-known/*", "/scim/*"]

CARGO = """[package]
name = "{name}"
description = "{description}"
edition.workspace = true
version.workspace = true
license.workspace = true
publish = false

[[bin]]
name = "{name}"
path = "main.rs"
test = false

[dependencies]
roster-lambda.workspace = true
{extra}tokio.workspace = true
"""

MAIN = """//! {doc}

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {{
    roster_lambda::{call}.await
}}
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)




def pascal(name):
    return "".join(part.capitalize() for part in name.split("-"))


TABLE_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
# UpdateItem: the counters moved without a version (`Store::add_to_counter` for the rate
# limits, `Write::Add` in transactions for the seats).
TABLE_WRITE = TABLE_READ + ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:UpdateItem"]


def policy(table, keys, sends=(), ses=False, sealing="none"):
    """The function's IAM policy: exactly what its facts say it uses."""
    statements = []
    if sealing != "none":
        statements += [
            "            - Effect: Allow",
            f"              Action: kms:{'Encrypt' if sealing == 'seals' else 'Decrypt'}",
            "              Resource: !GetAtt SealingKey.Arn",
        ]
    if table != "none":
        statements += [
            "            - Effect: Allow",
            "              Action: [" + ", ".join(TABLE_WRITE if table == "writes" else TABLE_READ) + "]",
            "              Resource:",
            "                - !GetAtt Table.Arn",
            "                - !Sub '${Table.Arn}/index/*'",
        ]
    if keys != "public_key":
        # The private token keys, read once (started at init, in the background); every
        # other function has only the public key (ROSTER_PUBLIC_KEY).
        statements += [
            "            - Effect: Allow",
            "              Action: secretsmanager:GetSecretValue",
            "              Resource: !Ref KeysSecretArn",
        ]
    for queue in sends:
        statements += ["            - Effect: Allow", "              Action: sqs:SendMessage", f"              Resource: !GetAtt {QUEUES[queue]}.Arn"]
    if ses:
        statements += [
            "            - Effect: Allow",
            # SES v2's SendEmail with raw (MIME) content is authorized as ses:SendRawEmail too.
            "              Action: [ses:SendEmail, ses:SendRawEmail]",
            "              Resource:",
            "                - !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*'",
            "                - !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${ConfigurationSet}'",
        ]
    if not statements:
        return []
    return ["      Policies:", "        - Version: '2012-10-17'", "          Statement:"] + statements


def environment(keys, sealing="none"):
    variables = []
    if keys != "public_key":
        variables.append("          ROSTER_KEYS_SECRET_ID: !Ref KeysSecretArn")
    if sealing != "none":
        variables.append("          ROSTER_SEALING_KEY_ID: !GetAtt SealingKey.Arn")
    if not variables:
        return []
    return ["      Environment:", "        Variables:"] + variables


def function(name, events, facts, ses=False, timeout=None):
    lines = [
        f"  {pascal(name)}Function:",
        "    Type: AWS::Serverless::Function",
        "    Metadata:",
        "      BuildMethod: rust-cargolambda",
        "      BuildProperties:",
        f"        Binary: {name}",
        "    Properties:",
        "      CodeUri: ..",
        "      Handler: bootstrap",
    ]
    if timeout:
        lines.append(f"      Timeout: {timeout}")
    table = facts.get("table", "writes")
    sealing = facts.get("sealing", "none")
    lines += environment(facts["keys"], sealing) + policy(table, facts["keys"], facts["sends"], ses, sealing) + ["      Events:"] + events
    return lines

# The pages (console/dist: index.html and assets/) and the API on one origin: CloudFront serves
# the files from a private bucket and sends the API's paths to the HTTP API, so the browser
# never makes a cross-origin call and the API has no CORS configuration.
CONSOLE = """
  ConsoleBucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256
      OwnershipControls:
        Rules:
          - ObjectOwnership: BucketOwnerEnforced
  ConsoleBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref ConsoleBucket
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          # Only this distribution reads the files (origin access control).
          - Sid: DistributionReads
            Effect: Allow
            Principal:
              Service: cloudfront.amazonaws.com
            Action: s3:GetObject
            Resource: !Sub '${ConsoleBucket.Arn}/*'
            Condition:
              StringEquals:
                AWS:SourceArn: !Sub 'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}'
          - Sid: TlsOnly
            Effect: Deny
            Principal: '*'
            Action: s3:*
            Resource:
              - !GetAtt ConsoleBucket.Arn
              - !Sub '${ConsoleBucket.Arn}/*'
            Condition:
              Bool:
                aws:SecureTransport: 'false'
  ConsoleOriginAccessControl:
    Type: AWS::CloudFront::OriginAccessControl
    Properties:
      OriginAccessControlConfig:
        Name: !Sub '${AWS::StackName}-console'
        Description: CloudFront signs its requests to the console bucket.
        OriginAccessControlOriginType: s3
        SigningBehavior: always
        SigningProtocol: sigv4
  # As roster-local serves the pages: the files under /assets/ are themselves, and every other
  # path (/, /invite/<token>, /join/<code>, the console's routes) is the single-page app.
  # Rewriting the request, rather than answering S3's 403/404 with index.html, leaves the
  # API's errors alone.
  ConsolePagesFunction:
    Type: AWS::CloudFront::Function
    Properties:
      Name: !Sub '${AWS::StackName}-console-pages'
      AutoPublish: true
      FunctionConfig:
        Comment: Every path outside /assets/ is a page of the single-page app.
        Runtime: cloudfront-js-2.0
      FunctionCode: |
        function handler(event) {
          var request = event.request;
          if (request.uri.indexOf('/assets/') !== 0) {
            request.uri = '/index.html';
          }
          return request;
        }
  # API Gateway sees CloudFront's address, not the viewer's: this names the viewer's IP for
  # the rate limits (per client IP). A client can't set it through CloudFront (it is
  # overwritten), and the API trusts it only beside the origin-verify secret that only
  # CloudFront sends (see the api origin's custom header).
  ApiViewerFunction:
    Type: AWS::CloudFront::Function
    Properties:
      Name: !Sub '${AWS::StackName}-api-viewer'
      AutoPublish: true
      FunctionConfig:
        Comment: Names the viewer's IP address for the API's per-client rate limits.
        Runtime: cloudfront-js-2.0
      FunctionCode: |
        function handler(event) {
          var request = event.request;
          request.headers['x-roster-viewer-ip'] = { value: event.viewer.ip };
          return request;
        }
  ConsoleHeadersPolicy:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        Name: !Sub '${AWS::StackName}-console-headers'
        Comment: The pages' security headers (the CSP is local/src/console.rs's).
        SecurityHeadersConfig:
          ContentSecurityPolicy:
            ContentSecurityPolicy: @CSP@
            Override: true
          StrictTransportSecurity:
            AccessControlMaxAgeSec: 63072000
            IncludeSubdomains: false
            Preload: false
            Override: true
          ContentTypeOptions:
            Override: true
          FrameOptions:
            FrameOption: DENY
            Override: true
          ReferrerPolicy:
            ReferrerPolicy: no-referrer
            Override: true
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Comment: !Sub 'Roster ${Stage}: the pages and the API on one origin'
        HttpVersion: http2and3
        IPV6Enabled: true
        Origins:
          - Id: console
            DomainName: !GetAtt ConsoleBucket.RegionalDomainName
            OriginAccessControlId: !GetAtt ConsoleOriginAccessControl.Id
            S3OriginConfig:
              OriginAccessIdentity: ''
          - Id: api
            DomainName: !Sub '${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}'
            CustomOriginConfig:
              OriginProtocolPolicy: https-only
              OriginSSLProtocols: [TLSv1.2]
            OriginCustomHeaders:
              - HeaderName: x-roster-origin-verify
                HeaderValue: !Ref OriginVerifySecret
        DefaultCacheBehavior:
          TargetOriginId: console
          ViewerProtocolPolicy: redirect-to-https
          AllowedMethods: [GET, HEAD]
          CachedMethods: [GET, HEAD]
          Compress: true
          CachePolicyId: @CACHING_OPTIMIZED@  # CachingOptimized (managed)
          ResponseHeadersPolicyId: !Ref ConsoleHeadersPolicy
          FunctionAssociations:
            - EventType: viewer-request
              FunctionARN: !GetAtt ConsolePagesFunction.FunctionARN
        CacheBehaviors:
@API_BEHAVIOURS@"""

# The API is never cached, takes every method, and gets every header (Authorization
# included), cookie and query string except Host, which must stay API Gateway's own.
API_BEHAVIOUR = """          - PathPattern: {path}
            TargetOriginId: api
            ViewerProtocolPolicy: https-only
            AllowedMethods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
            CachedMethods: [GET, HEAD]
            CachePolicyId: {caching_disabled}  # CachingDisabled (managed)
            OriginRequestPolicyId: {all_viewer_except_host}  # AllViewerExceptHostHeader (managed)
            FunctionAssociations:
              - EventType: viewer-request
                FunctionARN: !GetAtt ApiViewerFunction.FunctionARN
"""

CONSOLE_OUTPUTS = """
  ConsoleUrl:
    Description: >-
      The pages and the API on one origin (CloudFront). Use it as PublicUrl when there is no
      custom domain: it is where the emails' links point.
    Value: !Sub 'https://${Distribution.DomainName}'
  ConsoleBucketName:
    Description: Where console/dist is uploaded (aws s3 sync console/dist s3://<bucket> --delete).
    Value: !Ref ConsoleBucket
  DistributionId:
    Description: The CloudFront distribution, to invalidate after an upload.
    Value: !Ref Distribution"""


def console():
    behaviours = "".join(
        API_BEHAVIOUR.format(path=path, caching_disabled=CACHING_DISABLED, all_viewer_except_host=ALL_VIEWER_EXCEPT_HOST_HEADER)
        for path in API_PATHS
    )
    return (
        CONSOLE.replace("@CSP@", json.dumps(CONTENT_SECURITY_POLICY))
        .replace("@CACHING_OPTIMIZED@", CACHING_OPTIMIZED)
        .replace("@API_BEHAVIOURS@", behaviours.rstrip("\n"))
    )


def template():
    out = [HEADER.rstrip("\n")]
    for route in ROUTES:
        facts = route["facts"]
        events = [
            "        Api:",
            "          Type: HttpApi",
            "          Properties:",
            "            ApiId: !Ref HttpApi",
            f"            Method: {route['method']}",
            f"            Path: {route['path']}",
        ]
        if not facts["authorizer"]:
            events += ["            Auth:", "              Authorizer: NONE"]
        out += function(route["name"], events, facts)
    for worker in WORKERS:
        trigger = worker["trigger"]
        if "queue" in trigger:
            events = [
                "        Queue:",
                "          Type: SQS",
                "          Properties:",
                f"            Queue: !GetAtt {QUEUES[trigger['queue']['queue']]}.Arn",
                "            BatchSize: 10",
                "            FunctionResponseTypes: [ReportBatchItemFailures]",
                "            ScalingConfig:",
                f"              MaximumConcurrency: {trigger['queue']['max_concurrency']}",
            ]
            out += function(worker["name"], events, worker, ses=worker["mails"], timeout=60)
        else:
            events = ["        Schedule:", "          Type: Schedule", "          Properties:", f"            Schedule: {trigger['schedule']}"]
            out += function(worker["name"], events, worker, timeout=300)
    out.append(console())
    out.append(FOOTER.rstrip("\n") + CONSOLE_OUTPUTS)
    return "\n".join(out) + "\n"


def worker_main(worker):
    return f"run_worker::<roster_lambda::{pascal(worker['name'])}>()"


def main():
    for route in ROUTES:
        name, method, path = route["name"], route["method"], route["path"]
        folder = ROOT / "functions" / name
        write(folder / "Cargo.toml", CARGO.format(name=name, description=f"Roster Lambda for {method} {path}.", extra="roster-http.workspace = true\n"))
        write(folder / "main.rs", MAIN.format(doc=f"Lambda for `{method} {path}`.", call=f"run_endpoint::<roster_http::endpoints::{route['id']}>()"))
    for worker in WORKERS:
        folder = ROOT / "workers" / worker["name"]
        description = worker["description"]
        write(folder / "Cargo.toml", CARGO.format(name=worker["name"], description=f"Roster Lambda: {description}.", extra=""))
        write(folder / "main.rs", MAIN.format(doc=f"Lambda: {description}.", call=worker_main(worker)))
    write(ROOT / "infra" / "template.yaml", template())


if __name__ == "__main__":
    main()
