export interface VeeamCredentials {
  username: string;
  password: string;
}

export interface SecretSource {
  /** `fresh` bypasses any cache (after a 401 the secret may have been rotated). */
  veeamCredentials(opts?: { fresh?: boolean }): Promise<VeeamCredentials>;
}
