/** Marks a member whom the org's directory (SCIM) provisions. */
export function DirectoryBadge() {
  return <span class="badge badge-directory">Managed by your directory</span>;
}
