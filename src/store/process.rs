//! Whether the process that took a lease still runs, asked of the operating system: the same pid
//! *and* the same start time, since a pid is reused once its process is gone. Linux answers
//! through /proc, Windows through the process's creation time; elsewhere nothing can be asked,
//! and a lease is trusted until it expires.

/// When process `pid` started, in the operating system's own units: with the pid, it names the
/// process for good. `None` where that cannot be known.
pub fn started(pid: i64) -> Option<String> {
    os::started(pid)
}

/// Whether `pid` still names the process that recorded `started` and it has not ended.
pub fn alive(pid: i64, started: Option<&str>) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    match os::state(pid) {
        State::Unknown => true,
        State::Gone => false,
        State::Running(now_started) => started.is_none_or(|recorded| recorded == now_started),
    }
}

enum State {
    /// This system cannot tell.
    Unknown,
    /// No such process, or one that ended but is still around (a zombie, an unclosed handle).
    Gone,
    /// Running, started at this time.
    Running(String),
}

#[cfg(target_os = "linux")]
mod os {
    use super::State;

    pub fn started(pid: i64) -> Option<String> {
        stat(pid).map(|(_, started)| started)
    }

    pub fn state(pid: i64) -> State {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return State::Unknown;
        }
        match stat(pid) {
            None | Some(('Z' | 'X' | 'x', _)) => State::Gone,
            Some((_, started)) => State::Running(started),
        }
    }

    /// The state letter and start time (clock ticks since boot) from `/proc/<pid>/stat`.
    fn stat(pid: i64) -> Option<(char, String)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ...`: the name may hold spaces and parentheses; the fields follow
        // the last `)`. The state is field 3 and the start time field 22.
        let fields: Vec<&str> = stat
            .get(stat.rfind(')')? + 1..)?
            .split_whitespace()
            .collect();
        let state = fields.first()?.chars().next()?;
        Some((state, fields.get(19)?.to_string()))
    }
}

#[cfg(windows)]
mod os {
    use super::State;
    use windows_sys::Win32::Foundation::{
        CloseHandle, GetLastError, ERROR_ACCESS_DENIED, FILETIME, STILL_ACTIVE,
    };
    use windows_sys::Win32::System::Threading::{
        GetExitCodeProcess, GetProcessTimes, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };

    pub fn started(pid: i64) -> Option<String> {
        match state(pid) {
            State::Running(started) => Some(started),
            _ => None,
        }
    }

    pub fn state(pid: i64) -> State {
        let Ok(pid) = u32::try_from(pid) else {
            return State::Gone;
        };
        // SAFETY: plain Win32 calls on a handle this function opens and closes; every out
        // parameter is a live local.
        unsafe {
            let handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
            if handle.is_null() {
                // Another user's process cannot be asked about: it may well be running.
                return if GetLastError() == ERROR_ACCESS_DENIED {
                    State::Unknown
                } else {
                    State::Gone
                };
            }
            let mut code = 0u32;
            let zero = FILETIME {
                dwLowDateTime: 0,
                dwHighDateTime: 0,
            };
            let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
            let running = GetExitCodeProcess(handle, &mut code) != 0 && code == STILL_ACTIVE as u32;
            let timed =
                GetProcessTimes(handle, &mut created, &mut exited, &mut kernel, &mut user) != 0;
            CloseHandle(handle);
            match (running, timed) {
                (false, _) => State::Gone,
                (true, false) => State::Unknown,
                (true, true) => State::Running(
                    (u64::from(created.dwHighDateTime) << 32 | u64::from(created.dwLowDateTime))
                        .to_string(),
                ),
            }
        }
    }
}

#[cfg(not(any(target_os = "linux", windows)))]
mod os {
    use super::State;

    pub fn started(_pid: i64) -> Option<String> {
        None
    }

    pub fn state(_pid: i64) -> State {
        State::Unknown
    }
}
