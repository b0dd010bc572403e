package io.github.astreg.source.ami.internal.events;

import org.asteriskjava.manager.ExpectedResponse;
import org.asteriskjava.manager.action.CoreStatusAction;

/** {@code Action: CoreStatus}, answered with {@link CoreStatusFullResponse}. */
@ExpectedResponse(CoreStatusFullResponse.class)
public final class CoreStatusFullAction extends CoreStatusAction {
    private static final long serialVersionUID = 1L;
}
