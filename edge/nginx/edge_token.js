// Signed-URL check for the nginx edge: the same token format and rules as
// edge/signing.py (change both together). Keys are written in by
// `manage.py edge_nginx_conf`; this file is secret, keep it 0600.
var crypto = require('crypto');

var KEYS = __EDGE_KEYS__;
var RUNG = /^v(\d{2,5})$/;

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

function check(token, key, now) {
    var parts = token.split('.');
    if (parts.length !== 6) {
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
    var session, prefix;
    try {
        session = b64d(parts[3]);
        prefix = b64d(parts[4]);
    } catch (e) {
        return 'malformed';
    }
    var message = ['v1', kid, expires, height, session, prefix].join('\n');
    var expected = crypto.createHmac('sha256', secret).update(message).digest('base64url');
    if (!sameString(expected, parts[5])) {
        return 'forged';
    }
    if (Number(expires) < now) {
        return 'expired';
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

function verify(r) {
    return check(r.variables.edge_token || '', r.variables.edge_key || '', Math.floor(Date.now() / 1000));
}

export default {verify};
