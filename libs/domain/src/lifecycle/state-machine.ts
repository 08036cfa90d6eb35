import { InvalidStateError } from '#platform';

/** A transition table: each event lists the states it may fire from and the state it leads to. */
export type TransitionTable<S extends string, E extends string> = Readonly<Record<E, { readonly from: readonly S[]; readonly to: S }>>;

export class InvalidTransitionError extends InvalidStateError {
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly event: string,
  ) {
    super(`${machine}.invalid_transition`, `A ${machine.replace(/_/g, ' ')} in state "${from}" cannot ${event.replace(/_/g, ' ')}`);
  }
}

export function defineMachine<S extends string, E extends string>(name: string, states: readonly S[], table: TransitionTable<S, E>) {
  return {
    name,
    states,
    events: Object.keys(table) as E[],
    /** The state after `event`, or InvalidTransitionError. Pure: callers persist the result. */
    next(from: S, event: E): S {
      const rule = table[event];
      if (!rule || !rule.from.includes(from)) throw new InvalidTransitionError(name, from, event);
      return rule.to;
    },
    can(from: S, event: E): boolean {
      const rule = table[event];
      return !!rule && rule.from.includes(from);
    },
    /** Events that may fire from `from`, e.g. for showing available actions. */
    eventsFrom(from: S): E[] {
      return (Object.keys(table) as E[]).filter((event) => table[event].from.includes(from));
    },
  };
}
