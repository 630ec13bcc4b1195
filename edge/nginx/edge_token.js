// The nginx edge's njs: the key's shape (edge/keys.py), the signed-URL
// check (the same token format and rules as edge/signing.py, plus the
// revocation list edge_agent keeps: edge/agent_revoke.py), the viewer's
// zone for the access log, and the fill upstream (the same rendezvous hash
// as edge/rendezvous.py). Change both sides together. Keys and peers are
// written in by `manage.py edge_nginx_conf`; this file is secret, keep it 0600.
var crypto = require('crypto');
var fs = require('fs');

var KEYS = __EDGE_KEYS__;
var PEERS = __EDGE_PEERS__;
var KEY_LIMITS = __EDGE_KEY_LIMITS__;
var REVOKED_DIR = __EDGE_REVOKED_DIR__;
var SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
var NAME = /^[A-Za-z0-9._~-]+$/;
var RUNG = /^v(\d{2,5})$/;
var ZONE = /^[A-Za-z0-9_-]{1,40}$/;
var SELF = 'edge_fill_self';

function b64d(text) {
    return Buffer.from(text, 'base64url').toString();
}

function sameString(a, b) {
    // No timingSafeEqual in njs: compare every character whatever differs.
    if (a.length !== b.length) {
        return false;
    }
    var diff = 0;
    for (var i = 0; i < a.length; i++) {
        diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    }
    return diff === 0;
}

// A revoked session has an empty file of its name in REVOKED_DIR, written
// by edge_agent from its heartbeat answers (edge/agent_revoke.py): one
// access() per request, no call to anyone.
function isRevoked(session) {
    if (!SESSION_ID.test(session)) {
        return false;  // not a playback session's id: never on the list
    }
    try {
        fs.accessSync(REVOKED_DIR + '/' + session);
        return true;
    } catch (e) {
        return false;
    }
}

function check(token, key, now) {
    var parts = token.split('.');
    var count = parts.length;
    if (count !== 6 && count !== 7) {
        return 'malformed';
    }
    var kid = parts[0], expires = parts[1], height = parts[2];
    if (!/^\d+$/.test(expires) || !/^\d+$/.test(height)) {
        return 'malformed';
    }
    var secret = KEYS[kid];
    if (secret === undefined) {
        return 'unknown-key';
    }
    var session, prefix, zone;
    try {
        session = b64d(parts[3]);
        prefix = b64d(parts[4]);
        zone = count === 7 ? b64d(parts[5]) : null;
    } catch (e) {
        return 'malformed';
    }
    // Version 2 names the viewer's zone; version 1 (six parts) has none.
    var fields = [count === 7 ? 'v2' : 'v1', kid, expires, height, session, prefix];
    if (count === 7) {
        fields.push(zone);
    }
    var expected = crypto.createHmac('sha256', secret).update(fields.join('\n')).digest('base64url');
    if (!sameString(expected, parts[count - 1])) {
        return 'forged';
    }
    if (Number(expires) < now) {
        return 'expired';
    }
    if (isRevoked(session)) {
        return 'revoked';
    }
    var segments = key.split('/');
    if (key.charAt(0) === '/' || key.indexOf('//') >= 0 || segments.indexOf('..') >= 0) {
        return 'out-of-prefix';
    }
    if (prefix !== '' && key !== prefix) {
        var base = prefix.charAt(prefix.length - 1) === '/' ? prefix : prefix + '/';
        if (key.substring(0, base.length) !== base) {
            return 'out-of-prefix';
        }
    }
    var maxHeight = Number(height);
    if (maxHeight > 0) {
        for (var i = 0; i < segments.length - 1; i++) {
            var m = RUNG.exec(segments[i]);
            if (m && Number(m[1]) > maxHeight) {
                return 'rung-above-plan';
            }
        }
    }
    return 'ok';
}

// The key's shape, as edge/keys.py ladder_key_problem: 'ok' or the reason.
// (The location pattern already let only [A-Za-z0-9._~/-] through.)
function keyProblem(key) {
    if (key.length > KEY_LIMITS.maxChars) {
        return 'too-long';
    }
    var names = key.split('/');
    if (names[0] !== KEY_LIMITS.root || names.length < 2) {
        return 'not-a-ladder-key';
    }
    if (names.length > KEY_LIMITS.maxDepth) {
        return 'too-deep';
    }
    for (var i = 1; i < names.length; i++) {
        var name = names[i];
        if (name === '' || name === '.' || name === '..') {
            return 'empty-or-dot-segment';
        }
        if (name.length > KEY_LIMITS.nameMaxChars) {
            return 'name-too-long';
        }
        if (!NAME.test(name)) {
            return 'bad-character';
        }
    }
    return 'ok';
}

function keyCheck(r) {
    return keyProblem(r.variables.edge_key || '');
}

function verify(r) {
    return check(r.variables.edge_token || '', r.variables.edge_key || '', Math.floor(Date.now() / 1000));
}

function viewerZone(r) {
    // Only logged for requests the token check let through, so no need to verify again.
    var parts = (r.variables.edge_token || '').split('.');
    if (parts.length !== 7) {
        return '';
    }
    try {
        var zone = b64d(parts[5]);
        return ZONE.test(zone) ? zone : '';
    } catch (e) {
        return '';
    }
}

// Rendezvous hashing: FNV-1a 32-bit, MurmurHash3's finaliser.
function fnv(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i) & 0xff;
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
}

function fmix(h) {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
}

for (var p = 0; p < PEERS.length; p++) {
    PEERS[p].weight = fmix(fnv(PEERS[p].name));
}

function fillUpstream(r) {
    // A peer's request is filled from origin only: a fill is forwarded once at most.
    if (r.headersIn['X-Edge-Fill']) {
        return SELF;
    }
    var keyHash = fnv(r.variables.edge_key || '');
    var best = null, bestScore = -1;
    for (var i = 0; i < PEERS.length; i++) {
        var score = fmix((keyHash ^ PEERS[i].weight) >>> 0);
        if (score > bestScore || (score === bestScore && PEERS[i].name > best.name)) {
            best = PEERS[i];
            bestScore = score;
        }
    }
    return best ? best.upstream : SELF;
}

export default {keyCheck, verify, viewerZone, fillUpstream};
