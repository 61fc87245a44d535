#!/usr/bin/env python3
"""Writes functions/<endpoint>/ (one Lambda per route of shared/http/src/routes.rs) and
workers/<worker>/, each a tiny main over roster-lambda, and infra/template.yaml.
Run it after changing the route table; tests check that what it wrote matches."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROUTES = re.findall(r'\(\s*(\w+),\s*"(\w+)",\s*"([^"]+)",\s*"([a-z-]+)",?\s*\)', (ROOT / "shared/http/src/routes.rs").read_text())
WORKERS = [
    # name, what it is, main's call, trigger
    ("email-sender", "SQS consumer: renders and sends emails", "run_queue_worker(roster_lambda::QueueName::Email)", ("sqs", "EmailQueue")),
    ("import-processor", "SQS consumer: processes bulk imports", "run_queue_worker(roster_lambda::QueueName::Import)", ("sqs", "ImportQueue")),
    ("expiry-worker", "SQS consumer: marks lapsed invitations expired and unlicenses members whose license end passed", "run_queue_worker(roster_lambda::QueueName::Expiry)", ("sqs", "ExpiryQueue")),
    ("expiry-scheduler", "scheduled run: sends expiry jobs for everything due to the expiry queue", "run_sweep(roster_lambda::Sweep::ExpiryScheduler)", ("schedule", "rate(5 minutes)")),
    ("delivery-repair", "scheduled sweep: re-queues emails and imports left pending", "run_sweep(roster_lambda::Sweep::DeliveryRepair)", ("schedule", "rate(5 minutes)")),
]

HEADER = (ROOT / "infra" / "template-head.yaml").read_text()
FOOTER = (ROOT / "infra" / "template-tail.yaml").read_text()

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


# Routes API Gateway lets through without its JWT authorizer: public ones, and those an
# operator calls with its (non-JWT) token. Roster checks every caller itself as well.
NO_AUTHORIZER = {"create-org", "set-freeze", "lift-freeze", "get-invitation", "accept-invitation", "request-to-join",
                 "login", "jwks", "openid-configuration", "openapi"}
# Endpoints whose changes queue an email or an import (they may send to those queues).
SENDS_EMAIL = {"create-org", "invite-member", "reinvite-member", "approve-member", "create-account"}
SENDS_IMPORT = {"submit-import"}


def pascal(name):
    return "".join(part.capitalize() for part in name.split("-"))


TABLE_READ = ["dynamodb:GetItem", "dynamodb:Query"]
TABLE_WRITE = TABLE_READ + ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]


def policy(actions_table, sends=(), ses=False):
    lines = [
        "        - Version: '2012-10-17'",
        "          Statement:",
        "            - Effect: Allow",
        "              Action: [" + ", ".join(actions_table) + "]",
        "              Resource:",
        "                - !GetAtt Table.Arn",
        "                - !Sub '${Table.Arn}/index/*'",
        # The token keys, read once at init (every function builds the whole app).
        "            - Effect: Allow",
        "              Action: secretsmanager:GetSecretValue",
        "              Resource: !Ref KeysSecretArn",
    ]
    for queue in sends:
        lines += ["            - Effect: Allow", "              Action: sqs:SendMessage", f"              Resource: !GetAtt {queue}.Arn"]
    if ses:
        lines += [
            "            - Effect: Allow",
            "              Action: ses:SendEmail",
            "              Resource:",
            "                - !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*'",
            "                - !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${ConfigurationSet}'",
        ]
    return lines


def function(name, events, policies, timeout=None):
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
    lines += ["      Policies:"] + policies + ["      Events:"] + events
    return lines


def template():
    out = [HEADER.rstrip("\n")]
    for _, method, path, name in ROUTES:
        events = [
            "        Api:",
            "          Type: HttpApi",
            "          Properties:",
            "            ApiId: !Ref HttpApi",
            f"            Method: {method}",
            f"            Path: {path}",
        ]
        if name in NO_AUTHORIZER:
            events += ["            Auth:", "              Authorizer: NONE"]
        writes = method != "GET"
        sends = (["EmailQueue"] if name in SENDS_EMAIL else []) + (["ImportQueue"] if name in SENDS_IMPORT else [])
        out += function(name, events, policy(TABLE_WRITE if writes else TABLE_READ, sends))
    for name, _, _, (kind, source) in WORKERS:
        if kind == "sqs":
            events = [
                "        Queue:",
                "          Type: SQS",
                "          Properties:",
                f"            Queue: !GetAtt {source}.Arn",
                "            BatchSize: 10",
                "            FunctionResponseTypes: [ReportBatchItemFailures]",
            ]
            sends = ["EmailQueue"] if name == "import-processor" else []
            out += function(name, events, policy(TABLE_WRITE, sends, ses=name == "email-sender"), timeout=60)
        else:
            events = ["        Schedule:", "          Type: Schedule", "          Properties:", f"            Schedule: {source}"]
            sends = {"delivery-repair": ["EmailQueue", "ImportQueue"], "expiry-scheduler": ["ExpiryQueue"]}.get(name, [])
            out += function(name, events, policy(TABLE_WRITE, sends), timeout=300)
    out.append(FOOTER.rstrip("\n"))
    return "\n".join(out) + "\n"


def main():
    for route_id, method, path, name in ROUTES:
        folder = ROOT / "functions" / name
        write(folder / "Cargo.toml", CARGO.format(name=name, description=f"Roster Lambda for {method} {path}.", extra="roster-http.workspace = true\n"))
        write(folder / "main.rs", MAIN.format(doc=f"Lambda for `{method} {path}`.", call=f"run_endpoint(roster_http::RouteId::{route_id})"))
    for name, description, call, _ in WORKERS:
        folder = ROOT / "workers" / name
        write(folder / "Cargo.toml", CARGO.format(name=name, description=f"Roster Lambda: {description}.", extra=""))
        write(folder / "main.rs", MAIN.format(doc=f"Lambda: {description}.", call=call))
    write(ROOT / "infra" / "template.yaml", template())


if __name__ == "__main__":
    main()
