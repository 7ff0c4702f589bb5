/**
 * The team: one source of truth for persona identities. The process runtime,
 * the docker runtime and compose.yml all derive from (or are checked against)
 * this table.
 */
export const WORKER_PERSONAS = ['jordan', 'alex', 'sarah'] as const;
export type PersonaName = (typeof WORKER_PERSONAS)[number];
export type AnyPersona = PersonaName | 'admin';

export interface PersonaIdentity {
  readonly persona: AnyPersona;
  readonly displayName: string;
  readonly role: 'ProductManager' | 'SeniorDeveloper' | 'EngineeringManager' | 'Administrator';
  readonly container: string;
  readonly userId: string;
  readonly gitName: string;
  readonly gitEmail: string;
}

export const PERSONA_IDENTITIES: Readonly<Record<AnyPersona, PersonaIdentity>> = {
  jordan: {
    persona: 'jordan',
    displayName: 'Jordan',
    role: 'ProductManager',
    container: 'asp-jordan',
    userId: 'jordan@example.com',
    gitName: 'Jordan PM',
    gitEmail: 'jordan@example.com',
  },
  alex: {
    persona: 'alex',
    displayName: 'Alex',
    role: 'SeniorDeveloper',
    container: 'asp-alex',
    userId: 'alex@example.com',
    gitName: 'Alex Dev',
    gitEmail: 'alex@example.com',
  },
  sarah: {
    persona: 'sarah',
    displayName: 'Sarah',
    role: 'EngineeringManager',
    container: 'asp-sarah',
    userId: 'sarah@example.com',
    gitName: 'Sarah Manager',
    gitEmail: 'sarah@example.com',
  },
  admin: {
    persona: 'admin',
    displayName: 'Admin',
    role: 'Administrator',
    container: 'asp-admin',
    userId: 'admin@example.com',
    gitName: 'ASP Admin',
    gitEmail: 'admin@example.com',
  },
};

/** The environment that gives a listener its persona's identity. */
export function identityEnv(persona: AnyPersona): Record<string, string> {
  const id = PERSONA_IDENTITIES[persona];
  return {
    ASP_PERSONA: id.persona,
    ASP_USER_ID: id.userId,
    ASP_ROLE: id.role,
    GIT_AUTHOR_NAME: id.gitName,
    GIT_AUTHOR_EMAIL: id.gitEmail,
    GIT_COMMITTER_NAME: id.gitName,
    GIT_COMMITTER_EMAIL: id.gitEmail,
  };
}

export function isWorkerPersona(value: string): value is PersonaName {
  return (WORKER_PERSONAS as readonly string[]).includes(value);
}
