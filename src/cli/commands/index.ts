// The registry of `pacer` sub-commands. Add one line per command module.
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

export const commands: Record<string, Command> = {};
