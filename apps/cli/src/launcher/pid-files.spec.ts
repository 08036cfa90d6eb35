import { isProgram } from './pid-files.js';

describe('isProgram: is this pid still the program a pid file names?', () => {
  const api = '/srv/allmende/dist/apps/api/src/main.js';

  it('matches node running the script, with its arguments', () => {
    expect(isProgram(['/usr/bin/node', api], api)).toBe(true);
    expect(isProgram(['node', '--enable-source-maps', '/srv/allmende/dist/apps/cli/src/main.js', 'start'], '/srv/allmende/dist/apps/cli/src/main.js', ['start'])).toBe(true);
  });

  it('does not match a reused pid running something else, or the same script with other arguments', () => {
    expect(isProgram(['/usr/sbin/sshd', '-D'], api)).toBe(false);
    expect(isProgram(['node', '/other/dist/apps/api/src/main.js'], api)).toBe(false);
    expect(isProgram(['node', '/srv/allmende/dist/apps/cli/src/main.js', 'migrate'], '/srv/allmende/dist/apps/cli/src/main.js', ['start'])).toBe(false);
    expect(isProgram([api], api)).toBe(false);
    expect(isProgram(null, api)).toBe(false);
  });
});
