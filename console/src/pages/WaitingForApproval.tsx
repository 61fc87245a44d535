/** Shown after a join request or an acceptance that needs an admin's approval. */
export function WaitingForApproval({ orgName, email, joinRequest = false }: { orgName?: string; email: string; joinRequest?: boolean }) {
  return (
    <section class="card narrow" aria-labelledby="waiting-title" data-testid="waiting-for-approval">
      <h1 id="waiting-title">Waiting for approval</h1>
      <p>
        Your request to join {orgName ?? 'the organization'} was sent. An admin has to approve it before you can sign in; you will be
        able to sign in as <strong>{email}</strong> once they have.
      </p>
      {joinRequest && (
        <p>If this email already has an account there, we have sent it a message saying what to do instead.</p>
      )}
      <p class="muted">You can close this page.</p>
    </section>
  );
}
